/**
 * Client token verification: HS256 with the shared secret (node:crypto, `hs256.ts`) and/or RS256 /
 * ES256 through a JWKS URL (jose). Algorithms are pinned per key source, so `alg: none` and
 * algorithm confusion are refused; `exp` is checked with 30 s of leeway. Minting uses jose.
 */
import { createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { z } from 'zod';
import { channelGrantSchema, HeraldError, roleSchema, subjectSchema } from '@herald/protocol';
import type { HeraldConfig } from '../config/index.js';
import { hs256Verifier } from './hs256.js';
import type { ClientPrincipal } from './principal.js';

/** Leeway on `exp` / `nbf`, seconds. */
export const CLOCK_TOLERANCE_S = 30;

const ASYMMETRIC = ['RS256', 'ES256'];

const claimsSchema = z.object({
  sub: subjectSchema,
  roles: z.array(roleSchema).max(50).optional(),
  channels: z.array(channelGrantSchema).max(100).optional(),
  // Every client token expires: a token without `exp` would be valid forever.
  exp: z.number(),
});

/** Shared by every principal without roles or channel grants (most of them): nothing per connection. */
const EMPTY: readonly string[] = Object.freeze([]);
const unique = (list: readonly string[]): readonly string[] => (list.length === 0 ? EMPTY : Object.freeze([...new Set(list)]));

export interface TokenVerifier {
  /** Verify a token; throws `HeraldError` AUTH_INVALID / AUTH_EXPIRED. */
  verify(token: string): Promise<ClientPrincipal>;
  /** Mint an HS256 token (needs the shared secret; else TOKENS_DISABLED). */
  mint(claims: { sub: string; roles?: string[]; channels?: string[] }, ttlSeconds: number): Promise<{ token: string; expiresAt: number }>;
}

export function createTokenVerifier(jwt: HeraldConfig['jwt']): TokenVerifier {
  // For minting, the HMAC key is imported into WebCrypto once: handed the raw bytes, jose imports
  // them again on every call, which was two thirds of a signature's CPU.
  const secret = jwt.secret
    ? crypto.subtle.importKey('raw', new TextEncoder().encode(jwt.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
    : undefined;
  const jwks = jwt.jwksUrl ? createRemoteJWKSet(new URL(jwt.jwksUrl)) : undefined;
  const claimChecks = {
    clockTolerance: CLOCK_TOLERANCE_S,
    ...(jwt.issuer ? { issuer: jwt.issuer } : {}),
    ...(jwt.audience ? { audience: jwt.audience } : {}),
  };
  // HS256 tokens are verified in line with node:crypto (see hs256.ts for why, and its review).
  const verifyHs256 = jwt.secret ? hs256Verifier(jwt.secret, claimChecks) : undefined;

  async function verifyPayload(token: string): Promise<JWTPayload> {
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw new HeraldError('AUTH_INVALID', 'The token is not a JWT');
    }
    if (alg === 'HS256' && verifyHs256) return verifyHs256(token);
    if (typeof alg === 'string' && ASYMMETRIC.includes(alg) && jwks) {
      return (await jwtVerify(token, jwks, { ...claimChecks, algorithms: ASYMMETRIC })).payload;
    }
    throw new joseErrors.JOSEAlgNotAllowed(`Token algorithm ${JSON.stringify(alg)} is not accepted`);
  }

  return {
    async verify(token) {
      let payload: JWTPayload;
      try {
        payload = await verifyPayload(token);
      } catch (err) {
        if (err instanceof HeraldError) throw err;
        // jose's error stays as the cause, for those who explain a refusal (`herald check-token`);
        // the answer to the client carries only the code and message.
        if (err instanceof joseErrors.JWTExpired) throw withCause(new HeraldError('AUTH_EXPIRED'), err);
        if (err instanceof joseErrors.JOSEAlgNotAllowed) throw withCause(new HeraldError('AUTH_INVALID', err.message), err);
        if (err instanceof joseErrors.JOSEError) throw withCause(new HeraldError('AUTH_INVALID', `The token is not valid (${err.code})`), err);
        throw withCause(new HeraldError('AUTH_INVALID', 'The token could not be verified'), err);
      }
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) throw new HeraldError('AUTH_INVALID', 'The token claims are not valid (sub, exp, roles, channels)');
      const { sub, roles = [], channels = [], exp } = claims.data;
      return Object.freeze({
        kind: 'client' as const,
        sub,
        roles: unique(roles),
        channels: unique(channels),
        expiresAt: exp * 1000,
      });
    },

    async mint(claims, ttlSeconds) {
      if (!secret) throw new HeraldError('TOKENS_DISABLED');
      const now = Math.floor(Date.now() / 1000);
      const exp = now + ttlSeconds;
      let builder = new SignJWT({
        ...(claims.roles ? { roles: claims.roles } : {}),
        ...(claims.channels ? { channels: claims.channels } : {}),
      })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(claims.sub)
        .setIssuedAt(now)
        .setExpirationTime(exp);
      if (jwt.issuer) builder = builder.setIssuer(jwt.issuer);
      if (jwt.audience) builder = builder.setAudience(jwt.audience);
      return { token: await builder.sign(await secret), expiresAt: exp * 1000 };
    },
  };
}

function withCause(error: HeraldError, cause: unknown): HeraldError {
  error.cause = cause;
  return error;
}
