/**
 * The error catalogue: every error Herald answers with has a stable code from this table.
 * Clients should branch on `code`, never on `message`.
 */
export const ERRORS = {
  VALIDATION_FAILED: { status: 400, message: 'The request does not match the expected shape' },
  BAD_REQUEST: { status: 400, message: 'The request is not valid HTTP' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large' },
  URI_TOO_LONG: { status: 414, message: 'The request line is too long' },
  REQUEST_TIMEOUT: { status: 408, message: 'The request took too long to arrive' },
  HTTP_VERSION_NOT_SUPPORTED: { status: 505, message: 'Use HTTP/1.1' },
  EXPECTATION_FAILED: { status: 417, message: 'Only Expect: 100-continue is supported' },
  INVALID_JSON: { status: 400, message: 'The request body is not valid JSON' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send the body as application/json' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  DATA_TOO_LARGE: { status: 413, message: 'Message data must be at most 64 KiB encoded' },
  BATCH_TOO_LARGE: { status: 413, message: 'A batch holds at most 1000 items' },
  AUTH_REQUIRED: { status: 401, message: 'Authentication is required' },
  AUTH_INVALID: { status: 401, message: 'The credentials are not valid' },
  AUTH_EXPIRED: { status: 401, message: 'The token has expired' },
  FORBIDDEN: { status: 403, message: 'These credentials may not do this' },
  CHANNEL_FORBIDDEN: { status: 403, message: 'Not entitled to this channel' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  IDEMPOTENCY_CONFLICT: { status: 409, message: 'This idempotency key was used with a different request' },
  UNKNOWN_EVENT: { status: 400, message: 'Unknown event' },
  RATE_LIMITED: { status: 429, message: 'Too many requests; slow down and retry later' },
  SUBSCRIPTION_LIMIT: { status: 429, message: 'This socket holds as many subscriptions as it may' },
  CONNECTION_LIMIT: { status: 429, message: 'This user has as many connections open on this node as it may' },
  SLOW_CONSUMER: { status: 429, message: 'The socket read too slowly: too much was waiting for it on the server' },
  TOKENS_DISABLED: { status: 501, message: 'Token minting needs HERALD_JWT_SECRET' },
  UNAVAILABLE: { status: 503, message: 'The service is not ready' },
  INTERNAL: { status: 500, message: 'Internal error' },
} as const satisfies Record<string, { status: number; message: string }>;

/** A stable error code. */
export type ErrorCode = keyof typeof ERRORS;

/** The body of every HTTP error answer, and the `error` of a failed socket ack. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** HTTP error answer: `{ error: { code, message, details? } }`. */
export interface ErrorResponse {
  error: ErrorBody;
}

/** Whether `code` is one of the catalogue's codes. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERRORS, code);
}

/**
 * An error with a catalogue code. Thrown inside Herald and turned into
 * `{ error: { code, message, details } }` at the edge (HTTP answer or socket ack).
 */
export class HeraldError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, details?: unknown) {
    super(message ?? ERRORS[code].message);
    this.name = 'HeraldError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.details = details;
  }

  /** The wire form of this error. */
  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (this.details !== undefined) body.details = this.details;
    return body;
  }
}
