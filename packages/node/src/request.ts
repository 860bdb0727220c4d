/**
 * JSON over `fetch` with the API key: one attempt bounded by a timeout, turned into a value or a
 * `HeraldError`, and the loop that retries what may pass. A body is encoded once per call by the
 * caller, so every retry sends the very same bytes (Herald compares a retried publish with the
 * first one by its content).
 */
import type { ErrorBody } from '@herald/protocol';
import { HeraldError } from './errors.js';
import { backoffDelay, isRetryableStatus, parseRetryAfter, sleep, type RetryPolicy } from './retry.js';

export type Method = 'GET' | 'POST';

/** What the transport needs, resolved from the options. */
export interface TransportConfig {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  userAgent: string;
  fetch: typeof fetch;
  policy: RetryPolicy;
}

export interface Transport {
  /**
   * Send `body` (already JSON) to `path`, retrying per the policy; resolve the parsed answer.
   * @throws HeraldError, or the reason of `signal` when it aborts
   */
  request<T>(method: Method, path: string, body: string | undefined, signal: AbortSignal | undefined): Promise<T>;
}

/** Whether `value` is Herald's `{ error: { code, message } }`. */
function errorBodyOf(value: unknown): ErrorBody | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const error = (value as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return typeof code === 'string' && typeof message === 'string' ? (error as ErrorBody) : undefined;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Turn an answer into its value, or into the error it carries. */
function readAnswer<T>(status: number, headers: Headers, text: string): T {
  const parsed = text === '' ? ({ ok: false } as const) : parseJson(text);
  if (status >= 200 && status < 300) {
    if (parsed.ok) return parsed.value as T;
    // Something between us and Herald answered; the request may or may not have reached Herald.
    throw new HeraldError({ code: 'BAD_RESPONSE', message: `HTTP ${status} with a body that is not JSON`, status, retryable: false });
  }
  const retryable = isRetryableStatus(status);
  const retryAfterMs = parseRetryAfter(headers.get('retry-after'));
  const body = parsed.ok ? errorBodyOf(parsed.value) : undefined;
  if (body) {
    return throwError({ code: body.code, message: body.message, status, details: body.details, retryable, retryAfterMs });
  }
  return throwError({ code: 'BAD_RESPONSE', message: `HTTP ${status} without Herald's error body`, status, retryable, retryAfterMs });
}

function throwError(init: ConstructorParameters<typeof HeraldError>[0]): never {
  throw new HeraldError(init);
}

export function createTransport(config: TransportConfig): Transport {
  const base = config.baseUrl.replace(/\/+$/, '');
  const headers: Record<string, string> = {
    authorization: `Bearer ${config.apiKey}`,
    accept: 'application/json',
    'user-agent': config.userAgent,
  };

  async function attempt<T>(method: Method, path: string, body: string | undefined, signal: AbortSignal | undefined): Promise<T> {
    if (signal?.aborted) throw signal.reason;
    // One controller per attempt, aborted by the timeout or by the caller's signal; the timer
    // also covers reading the body, where a stalled server would otherwise hang the call.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, config.timeoutMs);
    const onAbort = () => controller.abort(signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    let status: number;
    let answerHeaders: Headers;
    let text: string;
    try {
      const init: RequestInit = { method, headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' }, signal: controller.signal };
      if (body !== undefined) init.body = body;
      const res = await config.fetch(`${base}${path}`, init);
      status = res.status;
      answerHeaders = res.headers;
      text = await res.text();
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (timedOut) {
        throw new HeraldError({ code: 'TIMEOUT', message: `No answer from Herald within ${config.timeoutMs} ms (${method} ${path})`, retryable: true, cause: err });
      }
      const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
      const why = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
      throw new HeraldError({ code: 'NETWORK', message: `Could not reach Herald at ${base} (${method} ${path}): ${why}`, retryable: true, cause: err });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
    return readAnswer<T>(status, answerHeaders, text);
  }

  return {
    async request<T>(method: Method, path: string, body: string | undefined, signal: AbortSignal | undefined): Promise<T> {
      const { policy } = config;
      for (let retry = 0; ; retry++) {
        try {
          return await attempt<T>(method, path, body, signal);
        } catch (err) {
          if (!(err instanceof HeraldError) || !err.retryable || retry >= policy.retries) throw err;
          let wait = backoffDelay(retry, policy);
          if (err.retryAfterMs !== undefined) {
            if (err.retryAfterMs > policy.maxRetryAfterMs) throw err;
            // What the server asked for, plus a little jitter so callers it refused together
            // do not all come back in the same millisecond.
            wait = err.retryAfterMs + backoffDelay(0, policy);
          }
          await sleep(wait, signal);
        }
      }
    },
  };
}
