/**
 * Where the CLI finds the server and its credentials, first match wins:
 * 1. flags (`--url`, `--api-key`);
 * 2. the environment (`HERALD_URL`, `HERALD_API_KEY`; then the server's own `HERALD_API_KEYS`,
 *    first key, and `HERALD_PORT` / `HERALD_HOST` for the URL, so one shell can run both);
 * 3. in development, `./data/dev-credentials.json`, the file `npm start` writes with dev
 *    defaults (never under `NODE_ENV=production`, as the server itself ignores it there).
 * Secrets are never printed: messages say where a value came from, not what it is.
 */
import { isIPv6 } from 'node:net';
import { devCredentialsFile, readDevCredentials, type DevCredentials } from '../config/index.js';
import { stringOption, UsageError, type CliContext, type Parsed } from './args.js';

export interface ApiTarget {
  url: string;
  apiKey: string;
}

/** The dev credentials file's content, when development defaults apply and it exists. */
export function devCredentials(ctx: CliContext): { file: string; credentials: DevCredentials } | undefined {
  if (ctx.env.NODE_ENV === 'production') return undefined;
  const file = devCredentialsFile(ctx.cwd);
  try {
    const credentials = readDevCredentials(file);
    return credentials ? { file, credentials } : undefined;
  } catch {
    // An unreadable or corrupt file is as good as none; the caller says what else to do.
    return undefined;
  }
}

/** The URL Herald listens on when nothing names it: this machine, at `HERALD_PORT` (4700). */
function defaultUrl(env: CliContext['env']): string {
  const configured = env.HERALD_HOST?.trim();
  // A wildcard address is where the server listens, not an address to call.
  const host = !configured || configured === '0.0.0.0' || configured === '::' ? '127.0.0.1' : configured;
  const port = env.HERALD_PORT?.trim() || '4700';
  return `http://${isIPv6(host) ? `[${host}]` : host}:${port}`;
}

/** The base URL: `--url`, `HERALD_URL`, or this machine's Herald port. */
export function resolveUrl(parsed: Parsed, ctx: CliContext): string {
  const raw = stringOption(parsed, 'url') ?? (ctx.env.HERALD_URL || undefined) ?? defaultUrl(ctx.env);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${JSON.stringify(raw)} is not a URL (e.g. --url http://127.0.0.1:4700)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`the URL must be http:// or https://, got ${JSON.stringify(raw)}`);
  return raw.replace(/\/+$/, '');
}

/** The API key: `--api-key`, `HERALD_API_KEY`, the first of `HERALD_API_KEYS`, or the dev file. */
export function resolveApiKey(parsed: Parsed, ctx: CliContext): string {
  const key =
    stringOption(parsed, 'api-key') ||
    ctx.env.HERALD_API_KEY ||
    ctx.env.HERALD_API_KEYS?.split(',').map((k) => k.trim()).find(Boolean) ||
    devCredentials(ctx)?.credentials.apiKey;
  if (!key) {
    throw new UsageError(
      'no API key: pass --api-key, set HERALD_API_KEY, or run where `npm start` wrote data/dev-credentials.json',
    );
  }
  return key;
}

export function resolveTarget(parsed: Parsed, ctx: CliContext): ApiTarget {
  return { url: resolveUrl(parsed, ctx), apiKey: resolveApiKey(parsed, ctx) };
}
