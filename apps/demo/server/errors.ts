/**
 * The demo back end's error catalogue, in Herald's error format:
 * `{ "error": { "code": "UPPER_SNAKE", "message": "...", "details"? } }`.
 * The front end branches on `code`, never on `message`.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import type { z } from 'zod';

/** Every code this back end answers with, and its HTTP status. */
export const DEMO_ERRORS = {
  VALIDATION_FAILED: 400,
  NOT_FOUND: 404,
  INVALID_TRANSITION: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL: 500,
  /** Herald could not be reached (or answered 5xx) for something that needs it now (a token, a first load). */
  HERALD_UNAVAILABLE: 503,
} as const;

export type DemoErrorCode = keyof typeof DEMO_ERRORS;

/** An error with a catalogue code; the error handler turns it into the HTTP answer. */
export class DemoError extends Error {
  readonly code: DemoErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(code: DemoErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'DemoError';
    this.code = code;
    this.status = DEMO_ERRORS[code];
    this.details = details;
  }
}

/**
 * Validate untrusted input at the edge; throws `VALIDATION_FAILED` with `{ path, message }` details.
 * @example const body = parseInput(orderBody, request.body, 'body');
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: 'body' | 'params' | 'query'): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = result.error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  throw new DemoError('VALIDATION_FAILED', `Invalid ${what}`, details);
}

/** `NOT_FOUND` for an unknown id. */
export const notFound = (what: string, id: string | number) => new DemoError('NOT_FOUND', `No ${what} ${id}`);

/** Every error leaves in the catalogue's format; fastify's own errors (bad JSON…) are mapped onto it. */
export function installErrorHandler(app: FastifyInstance, log: (message: string) => void): void {
  app.setErrorHandler((err: FastifyError, _request, reply) => {
    let error: DemoError;
    if (err instanceof DemoError) error = err;
    else if (err.statusCode === 413) error = new DemoError('PAYLOAD_TOO_LARGE', 'The request body is too large');
    else if (err.statusCode === 415) error = new DemoError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
    else if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      error = new DemoError('VALIDATION_FAILED', err.message);
    } else {
      log(`request failed: ${err.stack ?? err.message}`);
      error = new DemoError('INTERNAL', 'Internal error');
    }
    const body = { code: error.code, message: error.message, ...(error.details !== undefined ? { details: error.details } : {}) };
    return reply.status(error.status).send({ error: body });
  });
}
