/**
 * Dev defaults for `npm start` with nothing configured: an API key and a JWT secret generated on
 * first run and kept in `./data/dev-credentials.json` (mode 0600), so later runs reuse them.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface DevCredentials {
  apiKey: string;
  jwtSecret: string;
}

export interface DevDefaults {
  /** The environment with the missing credentials filled in. */
  env: Record<string, string | undefined>;
  /** Set when dev credentials are in use. */
  dev: { file: string; created: boolean; credentials: DevCredentials } | undefined;
}

/** Where the dev credentials are kept, relative to the directory Herald starts in. */
export function devCredentialsFile(cwd: string): string {
  return path.resolve(cwd, 'data', 'dev-credentials.json');
}

/** The dev credentials stored in `file`, or undefined when there are none (never creates them). */
export function readDevCredentials(file: string): DevCredentials | undefined {
  if (!fs.existsSync(file)) return undefined;
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<DevCredentials>;
  if (typeof parsed.apiKey === 'string' && typeof parsed.jwtSecret === 'string') {
    return { apiKey: parsed.apiKey, jwtSecret: parsed.jwtSecret };
  }
  return undefined;
}

/**
 * Fill in `HERALD_API_KEYS` and `HERALD_JWT_SECRET` from the dev credentials file when neither
 * credential is configured. Refused under `NODE_ENV=production`, where they must be set.
 */
export function applyDevDefaults(env: Record<string, string | undefined>, cwd: string): DevDefaults {
  const hasKeys = Boolean(env.HERALD_API_KEYS);
  const hasJwt = Boolean(env.HERALD_JWT_SECRET || env.HERALD_JWKS_URL);
  if (hasKeys && hasJwt) return { env, dev: undefined };
  if (env.NODE_ENV === 'production') return { env, dev: undefined };
  const file = devCredentialsFile(cwd);
  let credentials = readDevCredentials(file);
  let created = false;
  if (!credentials) {
    credentials = {
      apiKey: `hk_dev_${randomBytes(24).toString('base64url')}`,
      jwtSecret: randomBytes(48).toString('base64url'),
    };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
    created = true;
  }
  return {
    env: {
      ...env,
      HERALD_API_KEYS: env.HERALD_API_KEYS || credentials.apiKey,
      ...(hasJwt ? {} : { HERALD_JWT_SECRET: credentials.jwtSecret }),
    },
    dev: { file, created, credentials },
  };
}
