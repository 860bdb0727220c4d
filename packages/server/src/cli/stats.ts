/** `herald stats`: `GET /v1/stats`, the whole cluster's connections, subscriptions and rates. */
import { API_ENV, API_OPTIONS, EXIT, type CliContext, type CommandSpec, type Parsed } from './args.js';
import { apiClient } from './api.js';
import { table } from './format.js';

export const spec: CommandSpec = {
  name: 'stats',
  summary: 'Show connections, subscriptions, nodes and message rates (the whole cluster).',
  usage: 'stats [--json]',
  description: 'Rates are averaged over the last minute (windowSeconds). With --json, the server\'s answer as is.',
  positionals: [],
  options: {
    json: { type: 'boolean', help: "Print the server's answer as JSON." },
    ...API_OPTIONS,
  },
  env: API_ENV,
  examples: ['herald stats', 'herald stats --json --url https://herald.example.com'],
};

export async function run(parsed: Parsed, ctx: CliContext): Promise<number> {
  const stats = await apiClient(parsed, ctx).stats();
  if (parsed.values.json) {
    ctx.stdout.write(`${JSON.stringify(stats)}\n`);
    return EXIT.ok;
  }
  const { rates } = stats;
  ctx.stdout.write(
    `${table(
      [
        ['connections', String(stats.connections)],
        ['subscriptions', String(stats.subscriptions)],
        ['nodes', String(stats.nodes)],
        ['published/s', `${rates.publishedPerSecond}   (last ${rates.windowSeconds} s)`],
        ['delivered/s', `${rates.deliveredPerSecond}   (last ${rates.windowSeconds} s)`],
      ],
      '',
    )}\n`,
  );
  return EXIT.ok;
}
