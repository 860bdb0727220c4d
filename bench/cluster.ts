/**
 * `npm run bench -- cluster`: Herald scaled out (issue 11), each part beside its baselines measured
 * in the same run:
 *
 * 1. `throughput` (`cluster-throughput.ts`): durable publishes/s on PostgreSQL (alone and with
 *    Redis), batched and one per request, beside embedded SQLite.
 * 2. `latency` (`cluster-latency.ts`): publish on node A → received on node B, beside one node on
 *    PostgreSQL, one on SQLite, the same node of the cluster, and the latency scenario's baselines.
 * 3. `fanout` (`cluster-fanout.ts`): one channel's subscribers on a node with `HERALD_WORKERS=2`
 *    against `HERALD_WORKERS=1`.
 * 4. `killed` (`cluster-catchup.ts`): the clients of a SIGKILLed node caught up on the survivors.
 *
 * `BENCH_CLUSTER_PARTS=throughput,latency,fanout,killed` picks parts (default: all); the others
 * are kept from the previous run's `results/cluster.json`, each part stamped with when it ran, on
 * what code and how busy the machine was. Every PostgreSQL database is created for the run
 * (`herald_bench_<random>`) and dropped at its end; every cluster uses a Redis prefix of its own.
 * Needs PostgreSQL (`BENCH_POSTGRES_URL`) and Redis (`BENCH_REDIS_URL`), see `lib/backends.ts`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ADMIN_URL, dropAll, REDIS_URL } from './lib/backends.js';
import { envInt, fmt, printConfig, targetsFromEnv } from './lib/config.js';
import { FANOUT } from './lib/fanout-run.js';
import { LoadGen, workersFor } from './lib/loadgen.js';
import { machineTicks } from './lib/procstat.js';
import { RESULTS_DIR, writeResults } from './lib/report.js';
import { THROUGHPUT } from './lib/throughput-run.js';
import { CATCHUP, killedNodeReport, measureKilledNode } from './cluster-catchup.js';
import { fanoutReport, measureWorkersFanout, WORKER_COUNTS } from './cluster-fanout.js';
import { LATENCY_SIZES, latencyReport, measureClusterLatency } from './cluster-latency.js';
import { measureStores, throughputReport } from './cluster-throughput.js';

/** Each part: its key in the results JSON, how it is measured, and its report from its result. */
const PARTS = {
  throughput: { json: 'throughput', measure: measureStores, report: throughputReport },
  latency: { json: 'latency', measure: measureClusterLatency, report: latencyReport },
  fanout: { json: 'fanout', measure: measureWorkersFanout, report: fanoutReport },
  killed: { json: 'killedNode', measure: measureKilledNode, report: killedNodeReport },
} as const;
type Part = keyof typeof PARTS;
const PART_NAMES = Object.keys(PARTS) as Part[];

function partsFromEnv(): Part[] {
  const raw = process.env.BENCH_CLUSTER_PARTS;
  if (!raw) return PART_NAMES;
  const names = raw.split(',').map((s) => s.trim());
  for (const n of names) if (!PART_NAMES.includes(n as Part)) throw new Error(`BENCH_CLUSTER_PARTS: unknown part "${n}" (${PART_NAMES.join(', ')})`);
  return PART_NAMES.filter((p) => names.includes(p));
}

interface Section {
  text: string;
  markdown: string;
  chart: object;
}

/** When, on what code and how loaded the machine was when a part ran. */
interface Stamp {
  code: string;
  date: string;
  /** All CPUs busy (0–1) over the part, others' work included. */
  machineBusy: number;
}

/** What a part left in `results/cluster.json` (its result is under the part's own key). */
interface Stored {
  stamp: Stamp;
  section: Omit<Section, 'text'>;
  result: unknown;
}

/** How busy the whole machine was while a part ran (others' tests share it). */
function busyMeter() {
  const m0 = machineTicks();
  return () => {
    const m1 = machineTicks();
    return (m1.busy - m0.busy) / Math.max(1, m1.total - m0.total);
  };
}

/** The parts of the last run, to keep those not measured again (`BENCH_CLUSTER_PARTS`). */
function previousParts(): Partial<Record<Part, Stored>> {
  const file = path.join(RESULTS_DIR, 'cluster.json');
  if (!fs.existsSync(file)) return {};
  const prev = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown> & { parts?: Partial<Record<Part, Omit<Stored, 'result'>>> };
  const out: Partial<Record<Part, Stored>> = {};
  for (const p of PART_NAMES) {
    const kept = prev.parts?.[p];
    if (kept && prev[PARTS[p].json] !== undefined) out[p] = { ...kept, result: prev[PARTS[p].json] };
  }
  return out;
}

const stampLine = (p: Part, s: Stamp) => `\`${p}\` measured ${s.date.slice(0, 16).replace('T', ' ')} UTC on code ${s.code}, machine ${Math.round(s.machineBusy * 100)} % busy.`;

export async function run(): Promise<void> {
  const parts = partsFromEnv();
  const biggest = Math.max(parts.includes('fanout') ? FANOUT.subscribers : 0, parts.includes('killed') ? CATCHUP.clients : 0, ...LATENCY_SIZES);
  const workers = envInt('BENCH_WORKERS', workersFor(biggest));
  const config = printConfig('cluster', {
    parts,
    postgres: ADMIN_URL.replace(/\/\/[^@]*@/, '//'),
    redis: REDIS_URL,
    throughput: `${THROUGHPUT.seconds} s per row; batches of ${THROUGHPUT.batch} × ${THROUGHPUT.batchConcurrency} in flight; single × ${THROUGHPUT.concurrency} connections`,
    latency: `${LATENCY_SIZES.join(', ')} subscribers`,
    latencyBaselines: targetsFromEnv(['socketio', 'rawws', 'soketi']),
    fanout: `${FANOUT.subscribers} subscribers; HERALD_WORKERS = ${WORKER_COUNTS.join(' vs ')}`,
    killedNode: `${CATCHUP.nodes} nodes, ${CATCHUP.clients} clients, ${CATCHUP.rate} messages/s`,
    workers,
    loadAverage: os.loadavg().map((l) => l.toFixed(2)).join(' '),
  });
  const stored = previousParts();
  const lg = await LoadGen.start(workers);
  try {
    for (const part of parts) {
      process.stderr.write(`\n  ${part}\n`);
      const meter = busyMeter();
      const { measure, report } = PARTS[part];
      const result = await measure(lg);
      const stamp = { code: String(config.code), date: new Date().toISOString(), machineBusy: meter() };
      const { text, ...section } = (report as (r: typeof result) => Section)(result);
      process.stdout.write(`\n${text}\n${stampLine(part, stamp)}\n`);
      stored[part] = { stamp, section, result };
    }
  } finally {
    await lg.stop();
    await dropAll();
  }
  const kept = PART_NAMES.filter((p) => stored[p] && !parts.includes(p));
  const shown = PART_NAMES.filter((p) => stored[p]);
  const load = `load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`;
  process.stdout.write(`\n${load}${kept.length ? `; kept from the previous run: ${kept.join(', ')}` : ''}\n`);
  const markdown = [
    '## Cluster (`npm run bench -- cluster`)',
    '',
    'PostgreSQL 15 and Redis 7 on the same 2-core machine as the servers and the load generator, which other work shares: each part says when it ran and how busy the machine was.',
    ...shown.flatMap((p) => ['', stored[p]!.section.markdown, '', stampLine(p, stored[p]!.stamp)]),
  ].join('\n');
  const results = Object.fromEntries(shown.map((p) => [PARTS[p].json, stored[p]!.result]));
  const stamps = Object.fromEntries(shown.map((p) => [p, { stamp: stored[p]!.stamp, section: stored[p]!.section }]));
  await writeResults(
    'cluster',
    { config: { ...config, loadAverageAtEnd: os.loadavg() }, ...results, parts: stamps },
    {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      vconcat: shown.map((p) => stored[p]!.section.chart),
      resolve: { scale: { color: 'independent' } },
    } as never,
    markdown,
  );
}
