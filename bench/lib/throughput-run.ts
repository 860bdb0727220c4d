/**
 * Durable publish throughput of one Herald server, shared by the throughput scenario (embedded
 * SQLite) and the cluster scenario (PostgreSQL beside SQLite): the request rows (`GET /healthz`,
 * one message per request, batches), one row measured after a warm-up, and the durability check
 * (every answered message is in the database: the sum of the channels' heads).
 *
 * Sizes: `BENCH_THROUGHPUT_SECONDS`, `_BATCH`, `_BATCH_CONCURRENCY`, `_CONCURRENCY`, `_CHANNELS`.
 */
import { envInt, fmt, sleep } from './config.js';
import { summarize, type Percentiles } from './histogram.js';
import type { LoadGen } from './loadgen.js';
import { benchData } from './payload.js';
import { cpuMeter } from './procstat.js';
import type { HeraldTarget } from './targets.js';

export const THROUGHPUT = {
  seconds: envInt('BENCH_THROUGHPUT_SECONDS', 10),
  batch: envInt('BENCH_THROUGHPUT_BATCH', 500),
  batchConcurrency: envInt('BENCH_THROUGHPUT_BATCH_CONCURRENCY', 4),
  concurrency: envInt('BENCH_THROUGHPUT_CONCURRENCY', 64),
  channels: envInt('BENCH_THROUGHPUT_CHANNELS', 100),
  warmupSeconds: 2,
};

export interface ThroughputRow {
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
  key: ThroughputRow['key'];
  label: string;
  concurrency: number;
  requests: number;
  requestsPerSecond: number;
  messages: number;
  messagesPerSecond: number;
  latency: Percentiles;
  serverCpuUsPerMessage: number;
  serverCores: number;
  /** CPU of the PostgreSQL backends serving the server's database ÷ wall time (PostgreSQL only). */
  databaseCores?: number;
  loadgenCores: number;
  machineBusy: number;
  errors: number;
  statuses: Record<string, number>;
  target?: number;
}

export const throughputChannel = (k: number) => `bench:tp-${k % THROUGHPUT.channels}`;

/**
 * The rows, in order: `GET /healthz` (when `healthz`), one message per request, batches. Bodies
 * are used in turn, so messages spread over the channels like real traffic.
 */
export function throughputRows(o: { healthz: boolean; singleTarget: number; batchTarget: number }): ThroughputRow[] {
  const { batch, channels, concurrency, batchConcurrency } = THROUGHPUT;
  const single = Array.from({ length: channels }, (_, k) => JSON.stringify({ channel: throughputChannel(k), event: 'bench', data: benchData(k) }));
  const batches = Array.from({ length: 4 }, (_, b) =>
    JSON.stringify({ items: Array.from({ length: batch }, (_, k) => ({ channel: throughputChannel(k + b), event: 'bench', data: benchData(k) })) }),
  );
  return [
    ...(o.healthz ? [{ key: 'healthz' as const, label: 'GET /healthz (HTTP floor)', method: 'GET', path: '/healthz', concurrency, perRequest: 0 }] : []),
    { key: 'single', label: 'POST /v1/publish, 1 message', method: 'POST', path: '/v1/publish', bodies: single, concurrency, perRequest: 1, target: o.singleTarget },
    {
      key: 'batch',
      label: `POST /v1/publish/batch, ${batch} messages`,
      method: 'POST',
      path: '/v1/publish/batch',
      bodies: batches,
      concurrency: batchConcurrency,
      perRequest: batch,
      target: o.batchTarget,
    },
  ];
}

/**
 * Warm up, then load `t` with `row` for `THROUGHPUT.seconds`. `answered` counts the messages
 * answered 200 during both (what the database must hold). `cpuPids`: the processes whose CPU is
 * the server's (default: its pid); `database`: meters the database's backends over the phase.
 */
export async function measureThroughput(
  t: HeraldTarget,
  lg: LoadGen,
  row: ThroughputRow,
  options: { cpuPids?: number[]; database?: () => Promise<{ stop(): Promise<number> }> } = {},
): Promise<{ result: ThroughputResult; answered: number }> {
  const load = { url: t.server.url, method: row.method, path: row.path, auth: t.herald.apiKey, bodies: row.bodies, concurrency: row.concurrency };
  process.stderr.write(`    ${row.label}: warm-up ${THROUGHPUT.warmupSeconds} s, then ${THROUGHPUT.seconds} s …\n`);
  const warm = await lg.http({ ...load, count: 1e9, seconds: THROUGHPUT.warmupSeconds });
  await sleep(500);
  const dbMeter = await options.database?.();
  const meter = cpuMeter(options.cpuPids ?? t.server.pid);
  const r = await lg.http({ ...load, count: 1e9, seconds: THROUGHPUT.seconds });
  const cpu = meter.stop();
  const dbCpuS = await dbMeter?.stop();
  const ok = r.statuses['200'] ?? 0;
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
    ...(dbCpuS === undefined ? {} : { databaseCores: dbCpuS / cpu.wallS }),
    loadgenCores: r.loadgenCpuS / cpu.wallS,
    machineBusy: cpu.machineBusy,
    errors: r.errors + (r.requests - ok),
    statuses: r.statuses,
    target: row.target,
  };
  if (r.firstError) process.stderr.write(`      first error: ${r.firstError}\n`);
  process.stderr.write(
    `      ${fmt(result.requestsPerSecond)} requests/s${messages ? `, ${fmt(result.messagesPerSecond)} messages/s` : ''}, p99 ${result.latency.p99} ms\n`,
  );
  return { result, answered: (ok + (warm.statuses['200'] ?? 0)) * row.perRequest };
}

/** Messages in the database: the sum of the throughput channels' heads. */
export async function storedMessages(t: HeraldTarget): Promise<number> {
  let stored = 0;
  for (let k = 0; k < THROUGHPUT.channels; k++) {
    const h = await t.http.request<{ head: number }>('GET', `/v1/channels/${throughputChannel(k)}/history?limit=1`, t.herald.apiKey);
    if (h.status !== 200) throw new Error(`reading the head of ${throughputChannel(k)}: HTTP ${h.status}`);
    stored += h.body.head;
  }
  return stored;
}

/** "n messages in the database for m answered (all stored | MISSING)". */
export const durabilityLine = (s: { answered: number; stored: number }) =>
  `${fmt(s.stored)} messages in the database for ${fmt(s.answered)} answered (${s.stored >= s.answered ? 'all stored' : 'MISSING'})`;
