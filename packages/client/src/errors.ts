import type { ErrorBody } from '@herald/protocol';

/**
 * Throw this from `getToken` to say "this user is signed out, stop retrying": the client moves to
 * the terminal `unauthorized` state.
 * @example getToken: async () => { const t = await session(); if (!t) throw new UnauthorizedError(); return t; }
 */
export class UnauthorizedError extends Error {
  constructor(message = 'Not authorized') {
    super(message);
    this.name = 'UnauthorizedError';
  }
}

/** The server refused a request; `code` is from Herald's error catalogue. */
export class HeraldRequestError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: unknown;

  constructor(status: number, body: ErrorBody | undefined) {
    super(body?.message ?? `HTTP ${status}`);
    this.name = 'HeraldRequestError';
    this.code = body?.code ?? 'INTERNAL';
    this.status = status;
    this.details = body?.details;
  }
}

/** Whether `err` means "the network or server is unavailable; try again later". */
export function isTransient(err: unknown): boolean {
  if (err instanceof HeraldRequestError) return err.status >= 500 || err.status === 429;
  return !(err instanceof UnauthorizedError);
}
