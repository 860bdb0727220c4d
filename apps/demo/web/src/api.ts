/**
 * Calls to the demo's back end (the application, not Herald). Errors carry the back end's code.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (!res.ok) throw new ApiError(res.status, json.error?.code ?? 'HTTP_' + res.status, json.error?.message ?? res.statusText);
  return json as T;
}

export const api = {
  get: <T>(path: string) => call<T>('GET', path),
  post: <T>(path: string, body: unknown = {}) => call<T>('POST', path, body),
};

/** What every live-view endpoint of the back end answers: the data and the channel seq it reflects. */
export interface Loaded<T> {
  data: T;
  seq: number;
}

/** Mint a client token for a demo persona (the back end calls Herald's `POST /v1/tokens`). */
export async function tokenFor(persona: string, params: Record<string, unknown> = {}): Promise<string> {
  return (await api.post<{ token: string }>('/api/token', { persona, ...params })).token;
}
