/** JSON over fetch with the client token; refusals become `HeraldRequestError`. */
import type { ErrorResponse } from '@herald/protocol';
import { HeraldRequestError } from './errors.js';
import type { TokenManager } from './token.js';

export interface HttpClient {
  request<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, signal?: AbortSignal): Promise<T>;
}

export function createHttpClient(baseUrl: string, tokens: TokenManager, fetchImpl: typeof fetch): HttpClient {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    async request<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
      // One retry with a fresh token when the server says the token expired.
      for (let attempt = 0; ; attempt++) {
        const token = await tokens.get();
        const init: RequestInit = { method, headers: { authorization: `Bearer ${token}` } };
        if (body !== undefined) {
          init.body = JSON.stringify(body);
          (init.headers as Record<string, string>)['content-type'] = 'application/json';
        }
        if (signal) init.signal = signal;
        const res = await fetchImpl(`${base}${path}`, init);
        const text = await res.text();
        const json = text ? (JSON.parse(text) as unknown) : undefined;
        if (res.ok) return json as T;
        const error = new HeraldRequestError(res.status, (json as ErrorResponse | undefined)?.error);
        if (error.code === 'AUTH_EXPIRED' && attempt === 0) {
          await tokens.refresh();
          continue;
        }
        throw error;
      }
    },
  };
}
