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

/** Which credentials a route's auth hook accepts: what the OpenAPI document states as its security. */
export type AuthKind = keyof AuthHooks;

/** Hook → the credentials it accepts, so the document reads a route's security off the hook that enforces it. */
const hookKinds = new WeakMap<Function, AuthKind>();

export function createAuthHooks(authenticator: Authenticator): AuthHooks {
  const hook = (accept: AuthKind) => {
    const fn = async (request: FastifyRequest) => {
      request.principal = await authenticator.fromHeader(request.headers.authorization, accept);
    };
    hookKinds.set(fn, accept);
    return fn;
  };
  return { server: hook('server'), client: hook('client'), any: hook('any') };
}

/** The credentials a route accepts, from its `onRequest` hooks; `undefined` for a public route. */
export function authKindOf(onRequest: unknown): AuthKind | undefined {
  const hooks = Array.isArray(onRequest) ? onRequest : [onRequest];
  for (const h of hooks) {
    const kind = typeof h === 'function' ? hookKinds.get(h) : undefined;
    if (kind) return kind;
  }
  return undefined;
}

/** The client principal of a request that passed the `client` hook. */
export function clientOf(request: FastifyRequest): ClientPrincipal {
  const p = request.principal;
  if (p?.kind !== 'client') throw new Error('route is missing the client auth hook');
  return p;
}
