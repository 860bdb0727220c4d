/**
 * Cluster scenario, part 1: durable publish throughput of one node on PostgreSQL (alone, and as a
 * cluster node publishing to Redis too) beside embedded SQLite, measured in the same run with the
 * throughput scenario's rows (`lib/throughput-run.ts`). Each store's node runs on its own new
 * database; afterwards every answered message must be in it (the sum of the channels' heads).
 * Targets (SPEC §7): on PostgreSQL ≥ 50,000 messages/s batched and ≥ 5,000/s one per request; on
 * SQLite ≥ 50,000 and ≥ 10,000.
 */
import { databaseCpuMeter } from './lib/backends.js';
import { fmt } from './lib/config.js';
import { startNode, startPostgresNode, type NodeTarget } from './lib/cluster-nodes.js';
import type { LoadGen } from './lib/loadgen.js';
import { table } from './lib/report.js';
import { markdownTable } from './lib/scenario.js';
import { durabilityLine, measureThroughput, storedMessages, THROUGHPUT, throughputRows, type ThroughputResult } from './lib/throughput-run.js';

export type StoreKey = 'sqlite' | 'postgres' | 'postgres-redis';

interface StoreSetup {
  key: StoreKey;
  label: string;
  start(): Promise<NodeTarget>;
  singleTarget: number;
}

const STORES: StoreSetup[] = [
  { key: 'sqlite', label: 'embedded SQLite', start: () => startNode({ label: 'Herald, SQLite' }), singleTarget: 10_000 },
  { key: 'postgres', label: 'PostgreSQL', start: () => startPostgresNode('Herald, PostgreSQL'), singleTarget: 5_000 },
  {
    key: 'postgres-redis',
    label: 'PostgreSQL + Redis (cluster node)',
    start: () => startPostgresNode('Herald, PostgreSQL + Redis', { redis: true }),
    singleTarget: 5_000,
  },
];

export interface StoreThroughput {
  store: StoreKey;
  label: string;
  rows: ThroughputResult[];
  durability: { answered: number; stored: number };
}

export async function measureStores(lg: LoadGen): Promise<StoreThroughput[]> {
  const out: StoreThroughput[] = [];
  for (const [i, store] of STORES.entries()) {
    process.stderr.write(`  — ${store.label}\n`);
    const t = await store.start();
    const durability = { answered: 0, stored: 0 };
    const rows: ThroughputResult[] = [];
    try {
      // The HTTP floor once: it does not depend on the store.
      for (const row of throughputRows({ healthz: i === 0, singleTarget: store.singleTarget, batchTarget: 50_000 })) {
        const db = t.database;
        const { result, answered } = await measureThroughput(t, lg, row, db ? { database: () => databaseCpuMeter(db) } : {});
        durability.answered += answered;
        rows.push(result);
      }
      durability.stored = await storedMessages(t);
      process.stderr.write(`    ${durabilityLine(durability)}\n`);
    } finally {
      await t.stop();
    }
    out.push({ store: store.key, label: store.label, rows, durability });
  }
  return out;
}

export function throughputReport(results: StoreThroughput[]): { text: string; markdown: string; chart: object } {
  const header = ['store', 'request', 'concurrency', 'requests/s', 'messages/s', 'p50 ms', 'p99 ms', 'server CPU µs/message', 'server cores', 'database cores', 'loadgen cores', 'machine busy', 'errors', 'target'];
  const rows = results.flatMap((s) =>
    s.rows.map((r) => [
      r.key === 'healthz' ? '—' : s.label,
      r.label,
      r.concurrency,
      fmt(r.requestsPerSecond),
      r.messages ? fmt(r.messagesPerSecond) : '',
      r.latency.p50,
      r.latency.p99,
      r.messages ? r.serverCpuUsPerMessage.toFixed(1) : `${r.serverCpuUsPerMessage.toFixed(1)} /request`,
      r.serverCores.toFixed(2),
      r.databaseCores === undefined ? '' : r.databaseCores.toFixed(2),
      r.loadgenCores.toFixed(2),
      `${Math.round(r.machineBusy * 100)} %`,
      r.errors,
      r.target ? `${r.messagesPerSecond >= r.target ? 'met' : 'MISSED'} (≥ ${fmt(r.target)}/s)` : '',
    ]),
  );
  const durable = results.map((s) => `${s.label}: ${durabilityLine(s.durability)}`);
  const ratioHeader = ['request', 'PostgreSQL ÷ SQLite', 'PostgreSQL + Redis ÷ SQLite'];
  const find = (store: StoreKey, key: string) => results.find((s) => s.store === store)?.rows.find((r) => r.key === key);
  const ratioRows = (['single', 'batch'] as const).map((key) => {
    const base = find('sqlite', key)?.messagesPerSecond;
    const r = (store: StoreKey) => {
      const v = find(store, key)?.messagesPerSecond;
      return v !== undefined && base ? `${(v / base).toFixed(2)}×` : '—';
    };
    return [find('sqlite', key)?.label ?? key, r('postgres'), r('postgres-redis')];
  });
  const intro =
    `One node, no subscribers, messages spread over ${THROUGHPUT.channels} channels; ${THROUGHPUT.seconds} s per row after a ${THROUGHPUT.warmupSeconds} s warm-up, ` +
    `HTTP/1.1 keep-alive clients in the load-generator processes. Each store's node has a database of its own (PostgreSQL: a new database per node on the local server, ` +
    `pool of 10; "database cores" = CPU of that database's backends from /proc ÷ wall time). \`GET /healthz\` is this machine's HTTP floor.`;
  return {
    text: `Durable publish throughput by store (${THROUGHPUT.seconds} s each)\n\n${table([header, ...rows])}\n\n${durable.join('\n')}\n\n${table([ratioHeader, ...ratioRows])}\n`,
    markdown: ['### Durable publish throughput on PostgreSQL', '', intro, '', markdownTable(header, rows), '', ...durable.map((d) => `- ${d}`), '', markdownTable(ratioHeader, ratioRows)].join('\n'),
    chart: {
      title: 'Durable publishes/s by store',
      width: 420,
      height: 120,
      data: { values: results.flatMap((s) => s.rows.filter((r) => r.messages).map((r) => ({ store: s.label, request: r.key === 'batch' ? `batch of ${THROUGHPUT.batch}` : '1 per request', rate: Math.round(r.messagesPerSecond) }))) },
      mark: 'bar',
      encoding: {
        y: { field: 'store', type: 'nominal', sort: null, title: null, axis: { labelLimit: 320 } },
        yOffset: { field: 'request' },
        x: { field: 'rate', type: 'quantitative', title: 'messages / s' },
        color: { field: 'request', type: 'nominal' },
      },
    },
  };
}
