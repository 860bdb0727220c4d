/**
 * `npm run bench -- throughput`: durable publishes per second into Herald with no subscribers,
 * through `POST /v1/publish/batch` (500 messages a request) and `POST /v1/publish` (one message a
 * request over 64 keep-alive connections), beside `GET /healthz` at the same concurrency (the HTTP
 * floor of this machine, measured in the same run). Baselines store nothing, so only Herald runs.
 * Every answered publish is then checked against the channels' heads in the database.
 * Targets (SPEC §7): ≥ 50,000 messages/s batched, ≥ 10,000/s one per request, embedded SQLite.
 */
import { envInt, fmt, printConfig } from './lib/config.js';
import { LoadGen } from './lib/loadgen.js';
import { table, writeResults } from './lib/report.js';
import { markdownTable } from './lib/scenario.js';
import { startHeraldTarget } from './lib/targets.js';
import { durabilityLine, measureThroughput, storedMessages, THROUGHPUT, throughputRows, type ThroughputResult } from './lib/throughput-run.js';

export type { ThroughputResult } from './lib/throughput-run.js';

const { seconds: SECONDS, batch: BATCH, batchConcurrency: BATCH_CONCURRENCY, concurrency: CONCURRENCY, channels: CHANNELS, warmupSeconds: WARMUP_SECONDS } = THROUGHPUT;
const WORKERS = envInt('BENCH_WORKERS', 2);

export async function run(): Promise<void> {
  const config = printConfig('throughput', {
    seconds: SECONDS,
    batch: `${BATCH} messages per request, ${BATCH_CONCURRENCY} requests in flight`,
    single: `1 message per request, ${CONCURRENCY} keep-alive connections`,
    channels: CHANNELS,
    workers: WORKERS,
    store: 'embedded SQLite (default)',
  });
  const lg = await LoadGen.start(WORKERS);
  const t = await startHeraldTarget();
  const results: ThroughputResult[] = [];
  const storedCheck = { answered: 0, stored: 0 };
  try {
    for (const row of throughputRows({ healthz: true, singleTarget: 10_000, batchTarget: 50_000 })) {
      const { result, answered } = await measureThroughput(t, lg, row);
      storedCheck.answered += answered;
      results.push(result);
    }
    // Durability: everything answered 200 is in the database (sum of the channels' heads).
    storedCheck.stored = await storedMessages(t);
  } finally {
    await t.stop();
    await lg.stop();
  }
  await report(results, storedCheck, config);
}

async function report(results: ThroughputResult[], stored: { answered: number; stored: number }, config: Record<string, unknown>): Promise<void> {
  const floor = results.find((r) => r.key === 'healthz');
  const header = ['request', 'concurrency', 'requests/s', 'messages/s', 'p50 ms', 'p99 ms', 'server CPU µs/message', 'server cores', 'loadgen cores', 'machine busy', 'errors', '÷ healthz req/s', 'target'];
  const body = results.map((r) => [
    r.label,
    r.concurrency,
    fmt(r.requestsPerSecond),
    r.messages ? fmt(r.messagesPerSecond) : '',
    r.latency.p50,
    r.latency.p99,
    r.messages ? r.serverCpuUsPerMessage.toFixed(1) : `${r.serverCpuUsPerMessage.toFixed(1)} /request`,
    r.serverCores.toFixed(2),
    r.loadgenCores.toFixed(2),
    `${Math.round(r.machineBusy * 100)} %`,
    r.errors,
    floor && r !== floor ? (r.requestsPerSecond / floor.requestsPerSecond).toFixed(2) : '',
    r.target ? `${r.messagesPerSecond >= r.target ? 'met' : 'MISSED'} (≥ ${fmt(r.target)}/s)` : '',
  ]);
  const durable = durabilityLine(stored);
  process.stdout.write(`\nDurable publish throughput, Herald on embedded SQLite, no subscribers (${SECONDS} s each)\n\n${table([header, ...body])}\n\n${durable}\n`);
  const markdown = [
    '## Durable publish throughput (`npm run bench -- throughput`)',
    '',
    `Code ${config.code}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
    '',
    `Herald on embedded SQLite, no subscribers, messages spread over ${CHANNELS} channels; ${SECONDS} s per row after a ${WARMUP_SECONDS} s warm-up; ` +
      `HTTP/1.1 keep-alive clients in ${WORKERS} load-generator processes. The baselines store nothing, so only Herald runs; \`GET /healthz\` at the same ` +
      `concurrency is this machine's HTTP floor. Afterwards: ${durable}.`,
    '',
    markdownTable(header, body),
  ].join('\n');
  await writeResults(
    'throughput',
    { config, results, stored },
    {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: 'Herald durable publish throughput (SQLite)',
      width: 420,
      height: 120,
      data: { values: results.map((r) => ({ request: r.label, rate: Math.round(r.messages ? r.messagesPerSecond : r.requestsPerSecond), unit: r.messages ? 'messages/s' : 'requests/s' })) },
      mark: 'bar',
      encoding: {
        y: { field: 'request', type: 'nominal', sort: null, title: null, axis: { labelLimit: 320 } },
        x: { field: 'rate', type: 'quantitative', title: 'per second' },
        color: { field: 'unit', type: 'nominal' },
      },
    },
    markdown,
  );
}
