/**
 * Holds the client token: asks `getToken` at start, ahead of expiry and when the server says the
 * token expired, and tells the connection to apply each new one in place.
 */
import { UnauthorizedError } from './errors.js';

export interface TokenClaims {
  sub: string;
  roles: string[];
  channels: string[];
  /** Epoch ms, when the token has `exp`. */
  expiresAt: number | undefined;
}

/** Read a JWT's claims without verifying it (the server verifies; the client only plans). */
export function decodeClaims(token: string): TokenClaims {
  const part = token.split('.')[1];
  if (!part) throw new UnauthorizedError('getToken returned something that is not a JWT');
  const json = JSON.parse(decodeBase64Url(part)) as { sub?: unknown; roles?: unknown; channels?: unknown; exp?: unknown };
  if (typeof json.sub !== 'string') throw new UnauthorizedError('The token has no sub');
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return {
    sub: json.sub,
    roles: strings(json.roles),
    channels: strings(json.channels),
    expiresAt: typeof json.exp === 'number' ? json.exp * 1000 : undefined,
  };
}

function decodeBase64Url(s: string): string {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(s.length / 4) * 4, '=');
  const binary = atob(b64);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

export interface TokenManager {
  /** The current token, fetching one when there is none. */
  get(): Promise<string>;
  /** Ask `getToken` for a new token (concurrent calls share one request). */
  refresh(): Promise<string>;
  readonly claims: TokenClaims | undefined;
  stop(): void;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export function createTokenManager(
  getToken: () => string | Promise<string>,
  refreshBeforeExpiryMs: number,
  onToken: (token: string, claims: TokenClaims) => void,
  onError: (err: unknown) => void,
): TokenManager {
  let token: string | undefined;
  let claims: TokenClaims | undefined;
  let inFlight: Promise<string> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const schedule = () => {
    clearTimeout(timer);
    if (!claims?.expiresAt || stopped) return;
    const delay = Math.min(Math.max(claims.expiresAt - refreshBeforeExpiryMs - Date.now(), 1000), MAX_TIMER_MS);
    timer = setTimeout(() => void manager.refresh().catch(onError), delay);
    (timer as { unref?: () => void }).unref?.();
  };

  const manager: TokenManager = {
    async get() {
      return token ?? manager.refresh();
    },
    refresh() {
      inFlight ??= (async () => {
        try {
          const next = await getToken();
          if (typeof next !== 'string' || next === '') throw new UnauthorizedError('getToken returned no token');
          const nextClaims = decodeClaims(next);
          const changed = next !== token;
          token = next;
          claims = nextClaims;
          schedule();
          if (changed) onToken(next, nextClaims);
          return next;
        } finally {
          inFlight = undefined;
        }
      })();
      return inFlight;
    },
    get claims() {
      return claims;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
  return manager;
}
