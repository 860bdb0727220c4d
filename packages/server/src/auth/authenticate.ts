import { HeraldError } from '@herald/protocol';
import type { ApiKeyChecker } from './api-keys.js';
import type { TokenVerifier } from './jwt.js';
import { SERVER_PRINCIPAL, type Principal } from './principal.js';

export interface Authenticator {
  /** From an `Authorization` header value: an API key or a client JWT. */
  fromHeader(header: string | undefined, accept: 'server' | 'client' | 'any'): Promise<Principal>;
  readonly tokens: TokenVerifier;
}

/** A JWT has three base64url parts; API keys never contain dots in that shape. */
const looksLikeJwt = (s: string) => /^[\w-]+\.[\w-]+\.[\w-]*$/.test(s);

export function createAuthenticator(apiKeys: ApiKeyChecker, tokens: TokenVerifier): Authenticator {
  return {
    tokens,
    async fromHeader(header, accept) {
      const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
      if (!m) throw new HeraldError('AUTH_REQUIRED', 'Send Authorization: Bearer <API key or token>');
      const credential = m[1]!;
      if (accept !== 'client' && !looksLikeJwt(credential)) {
        if (apiKeys.isValid(credential)) return SERVER_PRINCIPAL;
        throw new HeraldError('AUTH_INVALID', 'The API key is not valid');
      }
      if (accept === 'server') {
        throw new HeraldError(looksLikeJwt(credential) ? 'FORBIDDEN' : 'AUTH_INVALID', 'This route needs an API key');
      }
      if (!looksLikeJwt(credential)) {
        if (apiKeys.isValid(credential)) throw new HeraldError('FORBIDDEN', 'This route needs a client token, not an API key');
        throw new HeraldError('AUTH_INVALID', 'The token is not a JWT');
      }
      return tokens.verify(credential);
    },
  };
}
