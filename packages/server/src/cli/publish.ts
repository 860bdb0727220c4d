/** `herald publish <channel> <event> [json]`: `POST /v1/publish`. */
import { API_ENV, API_OPTIONS, EXIT, jsonArgument, readStdin, splitList, stringOption, UsageError, type CliContext, type CommandSpec, type Parsed } from './args.js';
import { apiClient } from './api.js';

export const spec: CommandSpec = {
  name: 'publish',
  summary: 'Publish a message to a channel (stored durably, then delivered to every entitled client).',
  usage: 'publish <channel> <event> [json] [--idempotency-key <key>] [--json]',
  description: `Prints where the message was stored: its channel, seq and id (with --json, the server's answer
{"messages":[{"channel","seq","id"}]}). The data is any JSON value, null when left out.`,
  positionals: [
    { name: 'channel', required: true, help: 'Channel, or several separated by commas (restaurant:7,role:admin).' },
    { name: 'event', required: true, help: "The application's event name, e.g. order:created." },
    { name: 'json', required: false, help: 'The data, as JSON; - reads it from stdin. Default null.' },
  ],
  options: {
    'idempotency-key': { type: 'string', value: '<key>', help: 'Within 24 h the same key stores and delivers nothing new.' },
    json: { type: 'boolean', help: "Print the server's answer as JSON." },
    ...API_OPTIONS,
  },
  env: API_ENV,
  examples: [
    `herald publish restaurant:7 order:created '{"orderId":42,"total":18.5}'`,
    'herald publish broadcast maintenance',
    `echo '{"status":"ready"}' | herald publish booking:99 booking:updated -`,
    'herald publish user:42,role:admin points_added \'{"points":10}\' --idempotency-key tx-1234',
  ],
};

export async function run(parsed: Parsed, ctx: CliContext): Promise<number> {
  const [target, event, raw] = parsed.positionals as [string, string, string | undefined];
  const data = raw === undefined ? null : jsonArgument(raw === '-' ? await readStdin(ctx) : raw, raw === '-' ? 'stdin' : 'the data argument');
  const channels = splitList(target);
  if (channels.length === 0) throw new UsageError('missing <channel>');
  const idempotencyKey = stringOption(parsed, 'idempotency-key');
  const herald = apiClient(parsed, ctx);
  const result = await herald.publish({
    ...(channels.length === 1 ? { channel: channels[0]! } : { channels }),
    event,
    data,
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
  });
  if (parsed.values.json) ctx.stdout.write(`${JSON.stringify(result)}\n`);
  else for (const m of result.messages) ctx.stdout.write(`published ${event} to ${m.channel}: seq ${m.seq}, id ${m.id}\n`);
  return EXIT.ok;
}
