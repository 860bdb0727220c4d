/**
 * HS256 JWT verification with `node:crypto`, synchronously.
 *
 * Why not jose here: jose runs HMAC through WebCrypto, and each `crypto.subtle.verify` is a job
 * handed to libuv's thread pool and back through a promise. When 19,000 clients reconnect at once
 * that hand-off costs ~60 µs of CPU per handshake (the largest item of the catch-up benchmark's
 * profile after encoding). `createHmac` on a prepared `KeyObject` takes a few µs, in line.
 * jose still verifies RS256 / ES256 tokens (JWKS) and mints HS256 tokens.
 *
 * Security review: everything jose's `jwtVerify(token, key, { algorithms: ['HS256'],
 * clockTolerance, issuer, audience })` refuses is refused here too (the differential test,
 * `test/hs256.test.ts`, checks that against jose on valid and tampered tokens), and with the same
 * error class, so callers map errors as before. Where the two differ, this one is stricter:
 * - the three segments must be non-empty strict base64url (jose's decoder is more forgiving);
 * - the signature must be the canonical 43-character encoding of the 32-byte MAC, compared in
 *   constant time (`timingSafeEqual`), never short-circuited;
 * - any `crit` header is refused (jose accepts `crit: ["b64"]` with `b64: true`).
 * The header's `alg` must be exactly "HS256" (so `none` and algorithm confusion are refused); the
 * header and the claims must be JSON objects in valid UTF-8; `iat`, `nbf` and `exp` must be numbers
 * when present; `nbf` and `exp` are checked with the leeway; `iss` / `aud` when configured.
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { errors, type JWTPayload } from 'jose';

export interface ClaimChecks {
  /** Leeway on `exp` and `nbf`, seconds. */
  clockTolerance: number;
  issuer?: string;
  audience?: string;
}

/** A non-empty base64url segment without padding. */
const SEGMENT = /^[A-Za-z0-9_-]+$/;
/** base64url of a 32-byte HMAC-SHA-256, without padding. */
const SIGNATURE_LENGTH = 43;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** JSON.parse of a base64url segment, or undefined when it is not valid UTF-8 JSON. */
function decodeJson(segment: string): unknown {
  try {
    return JSON.parse(utf8.decode(Buffer.from(segment, 'base64url')));
  } catch {
    return undefined;
  }
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numericClaim(claims: JWTPayload, name: 'iat' | 'nbf' | 'exp'): number | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw new errors.JWTClaimValidationFailed(`"${name}" claim must be a number`, claims, name, 'invalid');
  return value;
}

/** A verifier of HS256 tokens signed with `secret`: returns the claims or throws a jose error. */
export function hs256Verifier(secret: string, checks: ClaimChecks): (token: string) => JWTPayload {
  const key: KeyObject = createSecretKey(Buffer.from(secret, 'utf8'));
  const { clockTolerance, issuer, audience } = checks;

  return (token) => {
    const parts = token.split('.');
    if (parts.length !== 3) throw new errors.JWSInvalid('Invalid Compact JWS');
    const [header, payload, signature] = parts as [string, string, string];
    if (!SEGMENT.test(header) || !SEGMENT.test(payload) || !SEGMENT.test(signature)) {
      throw new errors.JWSInvalid('A JWS segment is not base64url');
    }

    const protectedHeader = decodeJson(header);
    if (!isJsonObject(protectedHeader)) throw new errors.JWSInvalid('JWS Protected Header is invalid');
    if (protectedHeader.alg !== 'HS256') throw new errors.JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed');
    if (protectedHeader.crit !== undefined) throw new errors.JOSENotSupported('"crit" (Critical) Header Parameters are not supported');

    const expected = Buffer.from(createHmac('sha256', key).update(`${header}.${payload}`).digest('base64url'));
    const given = Buffer.from(signature);
    if (given.length !== SIGNATURE_LENGTH || !timingSafeEqual(given, expected)) throw new errors.JWSSignatureVerificationFailed();

    const claims = decodeJson(payload);
    if (!isJsonObject(claims)) throw new errors.JWTInvalid('JWT Claims Set must be a top-level JSON object');
    // In jose's order: presence (iss, aud), values (iss, aud), then the dates.
    if (issuer !== undefined && !Object.hasOwn(claims, 'iss')) {
      throw new errors.JWTClaimValidationFailed('missing required "iss" claim', claims, 'iss', 'missing');
    }
    if (audience !== undefined && !Object.hasOwn(claims, 'aud')) {
      throw new errors.JWTClaimValidationFailed('missing required "aud" claim', claims, 'aud', 'missing');
    }
    if (issuer !== undefined && claims.iss !== issuer) {
      throw new errors.JWTClaimValidationFailed('unexpected "iss" claim value', claims, 'iss', 'check_failed');
    }
    if (audience !== undefined) {
      const aud = claims.aud;
      if (!(aud === audience || (Array.isArray(aud) && aud.includes(audience)))) {
        throw new errors.JWTClaimValidationFailed('unexpected "aud" claim value', claims, 'aud', 'check_failed');
      }
    }
    const now = Math.floor(Date.now() / 1000);
    numericClaim(claims, 'iat');
    const nbf = numericClaim(claims, 'nbf');
    if (nbf !== undefined && nbf > now + clockTolerance) {
      throw new errors.JWTClaimValidationFailed('"nbf" claim timestamp check failed', claims, 'nbf', 'check_failed');
    }
    const exp = numericClaim(claims, 'exp');
    if (exp !== undefined && exp <= now - clockTolerance) {
      throw new errors.JWTExpired('"exp" claim timestamp check failed', claims, 'exp', 'check_failed');
    }
    return claims;
  };
}
