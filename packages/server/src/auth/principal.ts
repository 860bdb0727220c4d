/** Who is calling: a client (from a verified JWT) or the application's back end (an API key). */
export interface ClientPrincipal {
  readonly kind: 'client';
  readonly sub: string;
  readonly roles: readonly string[];
  /** Entries of the token's `channels` claim: exact names or `ns:*`. */
  readonly channels: readonly string[];
  /** Token expiry, epoch ms. */
  readonly expiresAt: number;
}

export interface ServerPrincipal {
  readonly kind: 'server';
}

export type Principal = ClientPrincipal | ServerPrincipal;

export const SERVER_PRINCIPAL: ServerPrincipal = Object.freeze({ kind: 'server' });
