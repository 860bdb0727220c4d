/** `herald notify --to <channel> --type <type> --title <text>`: `POST /v1/notifications`. */
import { API_ENV, API_OPTIONS, EXIT, jsonArgument, listOption, stringOption, UsageError, type CliContext, type CommandSpec, type Parsed } from './args.js';
import { apiClient } from './api.js';

const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
type Priority = (typeof PRIORITIES)[number];

export const spec: CommandSpec = {
  name: 'notify',
  summary: "Create a notification in users' inboxes and push it to their devices.",
  usage: 'notify --to <channel> --type <type> --title <text> [options]',
  description: `A notification to user:<sub> is personal; one to role:<r>, an application channel or broadcast is
stored once and appears in the inbox of every user entitled to that channel. Prints the stored
notification's id and seq per channel (with --json, the server's answer {"notifications":[...]}).`,
  positionals: [],
  options: {
    to: { type: 'string', multiple: true, value: '<channel>', help: 'Target channel(s): user:42, role:admin, restaurant:7, broadcast; commas allowed.' },
    type: { type: 'string', value: '<type>', help: "The application's notification type, e.g. order_ready (users may mute a type)." },
    title: { type: 'string', value: '<text>', help: 'Title, 1–500 characters.' },
    body: { type: 'string', value: '<text>', help: 'Body text.' },
    data: { type: 'string', value: '<json>', help: 'Any JSON value for the application.' },
    'action-url': { type: 'string', value: '<url>', help: 'An http(s) URL or a /path opened when it is clicked.' },
    priority: { type: 'string', value: '<level>', help: 'low, normal (default), high or urgent.' },
    'expires-at': { type: 'string', value: '<time>', help: 'When it leaves the inbox: ISO 8601 with offset, e.g. 2030-01-01T00:00:00Z.' },
    'idempotency-key': { type: 'string', value: '<key>', help: 'Within 24 h the same key stores nothing new.' },
    json: { type: 'boolean', help: "Print the server's answer as JSON." },
    ...API_OPTIONS,
  },
  env: API_ENV,
  examples: [
    "herald notify --to user:42 --type order_ready --title 'Your order is ready' --action-url /orders/42",
    "herald notify --to role:admin --to restaurant:7 --type system_alert --title 'Disk almost full' --priority urgent",
    `herald notify --to broadcast --type news --title 'New menu' --data '{"menuId":3}' --json`,
  ],
};

export async function run(parsed: Parsed, ctx: CliContext): Promise<number> {
  const to = listOption(parsed, 'to') ?? [];
  const type = stringOption(parsed, 'type');
  const title = stringOption(parsed, 'title');
  const missing = [to.length === 0 && '--to', !type && '--type', !title && '--title'].filter(Boolean);
  if (missing.length > 0) throw new UsageError(`missing ${missing.join(', ')}`);
  const priority = stringOption(parsed, 'priority');
  if (priority !== undefined && !(PRIORITIES as readonly string[]).includes(priority)) {
    throw new UsageError(`--priority must be one of ${PRIORITIES.join(', ')}, got ${JSON.stringify(priority)}`);
  }
  const data = stringOption(parsed, 'data');
  const optional = {
    body: stringOption(parsed, 'body'),
    data: data === undefined ? undefined : jsonArgument(data, '--data'),
    actionUrl: stringOption(parsed, 'action-url'),
    priority: priority as Priority | undefined,
    expiresAt: stringOption(parsed, 'expires-at'),
    idempotencyKey: stringOption(parsed, 'idempotency-key'),
  };
  const herald = apiClient(parsed, ctx);
  const result = await herald.notify({
    to,
    type: type!,
    title: title!,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
  });
  if (parsed.values.json) ctx.stdout.write(`${JSON.stringify(result)}\n`);
  else for (const n of result.notifications) ctx.stdout.write(`notified ${n.channel}: notification ${n.id}, seq ${n.seq}\n`);
  return EXIT.ok;
}
