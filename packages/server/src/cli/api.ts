/** The `@herald/node` client the HTTP commands call Herald through, with the CLI's settings. */
import { createHerald, type HeraldNodeClient } from '@herald/node';
import type { CliContext, Parsed } from './args.js';
import { resolveTarget } from './credentials.js';

/**
 * A client for the server the flags, environment or dev credentials name. A person is waiting
 * at the terminal: two retries (publish and notify carry idempotency keys, so a retry never
 * stores twice), then the error.
 */
export function apiClient(parsed: Parsed, ctx: CliContext): HeraldNodeClient {
  const { url, apiKey } = resolveTarget(parsed, ctx);
  return createHerald({ url, apiKey, timeoutMs: 10_000, retries: 2 });
}
