/** `herald token <sub>`: mint a client token with the API key (`POST /v1/tokens`). */
import { parseDuration } from '../config/index.js';
import { API_ENV, API_OPTIONS, EXIT, listOption, stringOption, UsageError, type CliContext, type CommandSpec, type Parsed } from './args.js';
import { apiClient } from './api.js';
import { whenText } from './format.js';

export const spec: CommandSpec = {
  name: 'token',
  summary: 'Mint a client token (JWT) for a user, signed by the server.',
  usage: 'token <sub> [--roles <r,…>] [--channels <c,…>] [--ttl <duration>] [--json]',
  description: `Prints only the token, so TOKEN=$(herald token alice) works (with --json: {"token","expiresAt"},
expiresAt in epoch ms). The token entitles user:<sub>, role:<r> for each role, broadcast, and each
channel or ns:* grant of --channels. Check one with: herald check-token <jwt>.`,
  positionals: [{ name: 'sub', required: true, help: 'The user the token names.' }],
  options: {
    roles: { type: 'string', multiple: true, value: '<role>', help: 'Roles (role:<r> channels); commas allowed.' },
    channels: { type: 'string', multiple: true, value: '<channel>', help: 'Channel grants: exact names or ns:* for a namespace; commas allowed.' },
    ttl: { type: 'string', value: '<duration>', help: 'Lifetime: seconds, or 90s, 15m, 24h, 7d. Default: the server\'s (1 h).' },
    json: { type: 'boolean', help: 'Print {"token","expiresAt"} as JSON.' },
    ...API_OPTIONS,
  },
  env: API_ENV,
  examples: [
    'herald token alice',
    "herald token kitchen-3 --roles staff --channels 'restaurant:7,session:*' --ttl 12h",
    'TOKEN=$(herald token alice --roles admin) && herald check-token "$TOKEN"',
  ],
};

/** `3600` or `1h` → seconds. */
function ttlSeconds(text: string): number {
  const ms = /^\d+$/.test(text.trim()) ? Number(text) * 1000 : parseDuration(text);
  if (ms === undefined || ms < 1000) throw new UsageError(`--ttl must be a number of seconds or a duration such as 15m, 24h, 7d; got ${JSON.stringify(text)}`);
  return Math.round(ms / 1000);
}

export async function run(parsed: Parsed, ctx: CliContext): Promise<number> {
  const sub = parsed.positionals[0]!;
  const roles = listOption(parsed, 'roles');
  const channels = listOption(parsed, 'channels');
  const ttl = stringOption(parsed, 'ttl');
  const herald = apiClient(parsed, ctx);
  const minted = await herald.mintToken({
    sub,
    ...(roles ? { roles } : {}),
    ...(channels ? { channels } : {}),
    ...(ttl === undefined ? {} : { ttlSeconds: ttlSeconds(ttl) }),
  });
  if (parsed.values.json) {
    ctx.stdout.write(`${JSON.stringify(minted)}\n`);
  } else {
    ctx.stdout.write(`${minted.token}\n`);
    // On a terminal, say when it expires; a pipe or $( ) gets the token alone.
    if ((ctx.stderr as { isTTY?: boolean }).isTTY) ctx.stderr.write(`expires ${whenText(minted.expiresAt)}\n`);
  }
  return EXIT.ok;
}
