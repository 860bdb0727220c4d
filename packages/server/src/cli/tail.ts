/**
 * `herald tail <channel>`: follow a channel through the client SDK, as an application would, so
 * it shows what a client gets: each message once, in seq order, without gaps, across reconnects,
 * the polling fallback and server restarts. Its token is minted with the API key for just this
 * channel and renewed by the SDK before it expires.
 */
import { createHerald as createClient, memoryStorage, UnauthorizedError, type Message } from '@herald/client';
import { createHerald as createApi, HeraldError } from '@herald/node';
import { BROADCAST_CHANNEL, channelSchema, subjectSchema } from '@herald/protocol';
import { API_ENV, API_OPTIONS, EXIT, integerArgument, stringOption, UsageError, type CliContext, type CommandSpec, type Parsed } from './args.js';
import { resolveTarget } from './credentials.js';

export const spec: CommandSpec = {
  name: 'tail',
  summary: 'Follow a channel live: each message once, in seq order, across reconnects and restarts.',
  usage: 'tail <channel> [--since <seq>] [--json]',
  description: `Subscribes through the client SDK (@herald/client) with a token minted by the API key for this
channel (user:<sub> as that user, role:<r> with that role), and prints every message as it
arrives, one line each, until Ctrl-C or SIGTERM (exit 0). When the server goes away it reconnects
and replays what it missed from its cursor, so nothing is printed twice or skipped.
Connection changes (reconnecting, live again) go to stderr; messages to stdout.`,
  positionals: [{ name: 'channel', required: true, help: 'The channel, e.g. restaurant:7, user:42, role:admin, broadcast.' }],
  options: {
    since: { type: 'string', value: '<seq>', help: 'Print the stored messages after this seq first (0: from the start). Default: only new ones.' },
    json: { type: 'boolean', help: 'Print each message as one line of JSON: {"id","channel","seq","event","data","ts"}.' },
    sub: { type: 'string', value: '<sub>', help: 'The user the token names (not for user:<sub> channels). Default herald-cli.' },
    ...API_OPTIONS,
  },
  env: API_ENV,
  examples: ['herald tail restaurant:7', 'herald tail user:42 --since 0', "herald tail broadcast --json | jq '.data'"],
};

/** The claims a token needs to read `channel` (SPEC §2, entitlement). */
function grantFor(channel: string, sub: string): { sub: string; roles?: string[]; channels?: string[] } {
  if (channel.startsWith('user:')) return { sub: channel.slice('user:'.length) };
  if (channel.startsWith('role:')) return { sub, roles: [channel.slice('role:'.length)] };
  if (channel === BROADCAST_CHANNEL) return { sub };
  return { sub, channels: [channel] };
}

/** Whether a failed token request is worth retrying: the server is away or busy, not saying no. */
const transient = (err: unknown) => err instanceof HeraldError && err.retryable;

function line(m: Message, json: boolean): string {
  if (json) return `${JSON.stringify(m)}\n`;
  return `#${m.seq}  ${new Date(m.ts).toISOString()}  ${m.event}  ${JSON.stringify(m.data)}\n`;
}

export async function run(parsed: Parsed, ctx: CliContext): Promise<number> {
  const channel = parsed.positionals[0]!;
  if (!channelSchema.safeParse(channel).success) {
    throw new UsageError(`${JSON.stringify(channel)} is not a channel name (1–200 characters of A-Z a-z 0-9 _ . : @ -)`);
  }
  const since = stringOption(parsed, 'since');
  const start = since === undefined ? undefined : integerArgument(since, '--since');
  const sub = stringOption(parsed, 'sub') ?? 'herald-cli';
  if (!subjectSchema.safeParse(sub).success) throw new UsageError(`--sub ${JSON.stringify(sub)} is not a valid sub`);
  const json = parsed.values.json === true;
  const { url, apiKey } = resolveTarget(parsed, ctx);
  const api = createApi({ url, apiKey, timeoutMs: 5000, retries: 0 });
  const grant = grantFor(channel, sub);

  /** Why the token was refused for good, to report on exit. */
  let refusal: Error | undefined;
  const client = createClient({
    url,
    storage: memoryStorage(),
    inbox: false,
    // A tail usually watches a server on this machine: come back quickly after a restart.
    backoff: { minMs: 200, maxMs: 3000 },
    async getToken() {
      try {
        return (await api.mintToken({ ...grant, ttlSeconds: 3600 })).token;
      } catch (err) {
        if (transient(err)) throw err;
        refusal = err instanceof Error ? err : new Error(String(err));
        throw new UnauthorizedError(err instanceof Error ? err.message : String(err));
      }
    },
  });

  const print = (m: Message) => ctx.stdout.write(line(m, json));
  const skipped = () =>
    ctx.stderr.write('herald tail: the server no longer holds every message this tail missed (retention); going on from the newest\n');
  let unsubscribe: () => void;
  if (start === undefined) {
    // Live from the channel's head when the subscription starts.
    unsubscribe = client.subscribe(channel, print, { onReset: skipped });
  } else {
    // A live state is the SDK's way to start after a known seq: its "load" is just that seq.
    let started = false;
    const live = client.live<number>(channel, {
      async load({ head }) {
        if (!started) {
          started = true;
          return { data: 0, seq: start };
        }
        // Loaded again only when retention no longer covers what the tail missed.
        const seq = await head();
        skipped();
        return { data: 0, seq };
      },
      reduce: (count) => count + 1,
      onMessage: print,
    });
    unsubscribe = () => live.close();
  }

  ctx.stderr.write(`herald tail: following ${channel} at ${url} (Ctrl-C to stop)\n`);
  return new Promise<number>((resolve) => {
    let done = false;
    const finish = (code: number, message?: string) => {
      if (done) return;
      done = true;
      if (message) ctx.stderr.write(`herald tail: ${message}\n`);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      unsubscribe();
      void client.close().then(() => resolve(code));
    };
    const onSignal = () => finish(EXIT.ok);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // One line when the connection is lost and one when it is back, whatever states lie between.
    let seenLive = false;
    let down = false;
    client.onStateChange(({ to }) => {
      if (to === 'unauthorized') {
        const code = refusal instanceof HeraldError ? `${refusal.code}: ` : '';
        finish(EXIT.failed, refusal ? `${code}${refusal.message}` : 'the token was refused');
      } else if (to === 'live') {
        if (down) ctx.stderr.write(seenLive ? 'herald tail: live again\n' : 'herald tail: live\n');
        down = false;
        seenLive = true;
      } else if (!down && (seenLive || to === 'offline')) {
        down = true;
        ctx.stderr.write(seenLive ? 'herald tail: connection lost, reconnecting…\n' : `herald tail: cannot reach ${url} yet, retrying…\n`);
      }
    });
    client.onError(({ channel: refused, code }) => finish(EXIT.failed, `${code}: the server refused ${refused}`));
  });
}
