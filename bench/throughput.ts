/**
 * `npm run bench -- throughput`: durable publishes per second into Herald with no subscribers,
 * through `POST /v1/publish/batch` (500 messages a request) and `POST /v1/publish` (one message a
 * request over 64 keep-alive connections), beside `GET /healthz` at the same concurrency (the HTTP
 * floor of this machine, measured in the same run). Baselines store nothing, so only Herald runs.
 * Every answered publish is then checked against the channels' heads in the database.
 * Targets (SPEC §7): ≥ 50,000 messages/s batched, ≥ 10,000/s one per request, embedded SQLite.
 */
import { envInt, fmt, printConfig, sleep } from './lib/config.js';
import { summarize, type Percentiles } from './lib/histogram.js';
import { LoadGen } from './lib/loadgen.js';
import { benchData } from './lib/payload.js';
import { cpuMeter } from './lib/procstat.js';
import { table, writeResults } from './lib/report.js';
import { markdownTable } from './lib/scenario.js';
import { startHeraldTarget } from './lib/targets.js';

const SECONDS = envInt('BENCH_THROUGHPUT_SECONDS', 10);
const BATCH = envInt('BENCH_THROUGHPUT_BATCH', 500);
const BATCH_CONCURRENCY = envInt('BENCH_THROUGHPUT_BATCH_CONCURRENCY', 4);
const CONCURRENCY = envInt('BENCH_THROUGHPUT_CONCURRENCY', 64);
const CHANNELS = envInt('BENCH_THROUGHPUT_CHANNELS', 100);
const WORKERS = envInt('BENCH_WORKERS', 2);
const WARMUP_SECONDS = 2;

interface Row {
  key: 'healthz' | 'single' | 'batch';
  label: string;
  method: string;
  path: string;
  bodies?: string[];
  concurrency: number;
  perRequest: number;
  /** Messages/s the SPEC asks for. */
  target?: number;
}

export interface ThroughputResult {
  key: Row['key'];
  label: string;
  concurrency: number;
  requests: number;
  requestsPerSecond: number;
  messages: number;
  messagesPerSecond: number;
  latency: Percentiles;
  serverCpuUsPerMessage: number;
  serverCores: number;
  loadgenCores: number;
  machineBusy: number;
  errors: number;
  statuses: Record<string, number>;
  target?: number;
}

const channel = (k: number) => `bench:tp-${k % CHANNELS}`;

/** Bodies used in turn; several, so messages spread over the channels like real traffic. */
function rows(): Row[] {
  const single = Array.from({ length: CHANNELS }, (_, k) => JSON.stringify({ channel: channel(k), event: 'bench', data: benchData(k) }));
  const batch = Array.from({ length: 4 }, (_, b) =>
    JSON.stringify({ items: Array.from({ length: BATCH }, (_, k) => ({ channel: channel(k + b), event: 'bench', data: benchData(k) })) }),
  );
  return [
    { key: 'healthz', label: 'GET /healthz (HTTP floor)', method: 'GET', path: '/healthz', concurrency: CONCURRENCY, perRequest: 0 },
    { key: 'single', label: 'POST /v1/publish, 1 message', method: 'POST', path: '/v1/publish', bodies: single, concurrency: CONCURRENCY, perRequest: 1, target: 10_000 },
    {
      key: 'batch',
      label: `POST /v1/publish/batch, ${BATCH} messages`,
      method: 'POST',
      path: '/v1/publish/batch',
      bodies: batch,
      concurrency: BATCH_CONCURRENCY,
      perRequest: BATCH,
      target: 50_000,
    },
  ];
}

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
  let storedCheck = { answered: 0, stored: 0 };
  try {
    for (const row of rows()) {
      const load = { url: t.server.url, method: row.method, path: row.path, auth: t.herald.apiKey, bodies: row.bodies, concurrency: row.concurrency };
      process.stderr.write(`  ${row.label}: warm-up ${WARMUP_SECONDS} s, then ${SECONDS} s …\n`);
      const warm = await lg.http({ ...load, count: 1e9, seconds: WARMUP_SECONDS });
      await sleep(500);
      const meter = cpuMeter(t.server.pid);
      const r = await lg.http({ ...load, count: 1e9, seconds: SECONDS });
      const cpu = meter.stop();
      const ok = r.statuses['200'] ?? 0;
      if (row.perRequest > 0) storedCheck.answered += (ok + (warm.statuses['200'] ?? 0)) * row.perRequest;
      const messages = ok * row.perRequest;
      const result: ThroughputResult = {
        key: row.key,
        label: row.label,
        concurrency: row.concurrency,
        requests: r.requests,
        requestsPerSecond: r.requests / r.seconds,
        messages,
        messagesPerSecond: messages / r.seconds,
        latency: summarize(r.histogram),
        serverCpuUsPerMessage: (cpu.serverCpuS * 1e6) / (messages || r.requests),
        serverCores: cpu.serverCpuS / cpu.wallS,
        loadgenCores: r.loadgenCpuS / cpu.wallS,
        machineBusy: cpu.machineBusy,
        errors: r.errors + (r.requests - ok),
        statuses: r.statuses,
        target: row.target,
      };
      if (r.firstError) process.stderr.write(`    first error: ${r.firstError}\n`);
      process.stderr.write(
        `    ${fmt(result.requestsPerSecond)} requests/s${messages ? `, ${fmt(result.messagesPerSecond)} messages/s` : ''}, p99 ${result.latency.p99} ms\n`,
      );
      results.push(result);
    }
    // Durability: everything answered 200 is in the database (sum of the channels' heads).
    let stored = 0;
    for (let k = 0; k < CHANNELS; k++) {
      const h = await t.http.request<{ head: number }>('GET', `/v1/channels/${channel(k)}/history?limit=1`, t.herald.apiKey);
      stored += h.body.head;
    }
    storedCheck = { ...storedCheck, stored };
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
  const durable = `${fmt(stored.stored)} messages in the database for ${fmt(stored.answered)} answered (${stored.stored >= stored.answered ? 'all stored' : 'MISSING'})`;
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
