/**
 * `onRequest` hooks that authenticate a request and leave its principal on `request.principal`.
 * They run before the body is read, so nobody unauthenticated gets a body parsed or a schema
 * error back.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator, ClientPrincipal, Principal } from '../auth/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export interface AuthHooks {
  /** API key only. */
  server: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Client JWT only. */
  client: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** API key or client JWT. */
  any: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

export function createAuthHooks(authenticator: Authenticator): AuthHooks {
  const hook = (accept: 'server' | 'client' | 'any') => async (request: FastifyRequest) => {
    request.principal = await authenticator.fromHeader(request.headers.authorization, accept);
  };
  return { server: hook('server'), client: hook('client'), any: hook('any') };
}

/** The client principal of a request that passed the `client` hook. */
export function clientOf(request: FastifyRequest): ClientPrincipal {
  const p = request.principal;
  if (p?.kind !== 'client') throw new Error('route is missing the client auth hook');
  return p;
}
