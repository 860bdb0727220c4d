/**
 * The SDK's one error type. Herald's own refusals keep Herald's code; failures on the way there
 * get `NETWORK`, `TIMEOUT` or `BAD_RESPONSE`.
 */
import type { ErrorCode } from '@herald/protocol';
import type { BatchItemResult } from './types.js';

/**
 * What went wrong: a code of Herald's error catalogue (`VALIDATION_FAILED`, `AUTH_INVALID`,
 * `RATE_LIMITED`…), or one of the SDK's:
 * - `NETWORK`: the server could not be reached, or the connection broke before the answer;
 * - `TIMEOUT`: no complete answer within `timeoutMs`;
 * - `BAD_RESPONSE`: an answer that is not Herald's JSON (a proxy's error page, for instance).
 */
export type HeraldErrorCode = ErrorCode | 'NETWORK' | 'TIMEOUT' | 'BAD_RESPONSE';

/** Constructor fields of `HeraldError`. */
export interface HeraldErrorInit {
  code: HeraldErrorCode;
  message: string;
  status?: number | undefined;
  details?: unknown;
  retryable: boolean;
  retryAfterMs?: number | undefined;
  cause?: unknown;
}

/**
 * A failed call. Branch on `code`, never on `message`.
 * @example
 * try { await herald.publish(m); }
 * catch (err) { if (err instanceof HeraldError && err.code === 'VALIDATION_FAILED') console.log(err.details); }
 */
export class HeraldError extends Error {
  /** Herald's `UPPER_SNAKE` code, or `NETWORK` / `TIMEOUT` / `BAD_RESPONSE`. */
  readonly code: HeraldErrorCode;
  /** The HTTP status, when an answer arrived. */
  readonly status: number | undefined;
  /** Herald's `details`: for `VALIDATION_FAILED` a list of `{ path, message }`. */
  readonly details: unknown;
  /**
   * Whether trying again later may succeed (network, timeout, `429`, `5xx`). The SDK has already
   * retried `retries` times when it throws one.
   */
  readonly retryable: boolean;
  /** How long the server asked to wait (`Retry-After`), in milliseconds, when it said. */
  readonly retryAfterMs: number | undefined;

  constructor(init: HeraldErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'HeraldError';
    this.code = init.code;
    this.status = init.status;
    this.details = init.details;
    this.retryable = init.retryable;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/**
 * A `publishBatch` that failed part-way: the chunks before `failedAt` were published (their
 * results are in `results`); the items from `failedAt` on were not, or not certainly (with their
 * own idempotency keys, publishing them again is safe).
 * @example
 * try { await herald.publishBatch(items); }
 * catch (err) { if (err instanceof HeraldBatchError) await requeue(items.slice(err.failedAt)); else throw err; }
 */
export class HeraldBatchError extends HeraldError {
  /** Results of the items before `failedAt`, in order. */
  readonly results: BatchItemResult[];
  /** Index of the first item whose chunk failed. */
  readonly failedAt: number;

  constructor(error: HeraldError, results: BatchItemResult[], failedAt: number) {
    super({
      code: error.code,
      message: `${error.message} (the ${failedAt} items before index ${failedAt} were published; the others may not have been)`,
      status: error.status,
      details: error.details,
      retryable: error.retryable,
      retryAfterMs: error.retryAfterMs,
      cause: error,
    });
    this.name = 'HeraldBatchError';
    this.results = results;
    this.failedAt = failedAt;
  }
}
