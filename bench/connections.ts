/**
 * `npm run bench -- connections`: idle clients per server process, up to 19,000 (one process may
 * hold 20,000 open files here), each subscribed to a channel (Herald: plus its automatic
 * `user:`/`broadcast` subscriptions). Server memory per connection = growth of RSS (VmRSS) and of
 * the V8 heap (read right after a full GC, the same way in every server) ÷ connections, at four
 * steps; also the server CPU each handshake costs.
 * Target (SPEC §7): 19,000 per process, ≤ 8 KiB each (stock Socket.IO ~15 KiB, raw ws ~6 KiB).
 */
import { envInt, fmt, openFileLimit, printConfig, sleep, targetsFromEnv } from './lib/config.js';
import { LoadGen, workersFor } from './lib/loadgen.js';
import { cpuMeter, openFiles, rssBytes } from './lib/procstat.js';
import { table, writeResults } from './lib/report.js';
import { connectClients, eachTarget, markdownTable, outcomeRows, ratio, resultOf, type Outcome } from './lib/scenario.js';
import type { TargetName } from './lib/targets.js';
import type { MemoryUsage } from './lib/server.js';

/** Leave room under the open-file limit for the server's own files. */
const CONNECTIONS = Math.min(envInt('BENCH_CONNECTIONS', 19_000), openFileLimit() - 200);
const STEPS = envInt('BENCH_CONNECTIONS_STEPS', 4);
const SETTLE_MS = envInt('BENCH_SETTLE_MS', 2_000);
const WORKERS = envInt('BENCH_WORKERS', workersFor(CONNECTIONS));
const KIB = 1024;

interface Step {
  connections: number;
  rss: number;
  heapUsed: number;
  external: number;
}

export interface ConnectionsResult {
  connections: number;
  before: MemoryUsage;
  steps: Step[];
  /** Growth per connection at the last step, bytes. */
  rssPerConnection: number;
  heapPerConnection: number;
  externalPerConnection: number;
  /** Server CPU per handshake + subscribe, µs. */
  cpuUsPerConnection: number;
  connectSeconds: number;
  openFiles: number;
}

export async function run(): Promise<void> {
  const targets = targetsFromEnv();
  const config = printConfig('connections', {
    connections: CONNECTIONS,
    steps: STEPS,
    settleMs: SETTLE_MS,
    workers: WORKERS,
    targets,
  });
  const lg = await LoadGen.start(WORKERS);
  try {
    const outcomes = await eachTarget(targets, lg, async (t) => {
      const channel = t.channel('idle');
      // Mint Herald's tokens before the baseline reading, so the token requests' garbage is gone.
      await t.clients(channel, CONNECTIONS);
      await sleep(SETTLE_MS);
      const before = await t.server.memory();
      const steps: Step[] = [];
      let have = 0;
      let cpuS = 0;
      let connectS = 0;
      for (let k = 1; k <= STEPS; k++) {
        const want = Math.round((CONNECTIONS * k) / STEPS);
        const meter = cpuMeter(t.server.pid);
        await connectClients(t, lg, channel, have, want);
        const cpu = meter.stop();
        cpuS += cpu.serverCpuS;
        connectS += cpu.wallS;
        have = want;
        await sleep(SETTLE_MS);
        const m = await t.server.memory();
        steps.push({ connections: want, rss: rssBytes(t.server.pid) - before.rss, heapUsed: m.heapUsed - before.heapUsed, external: m.external - before.external });
      }
      const last = steps[steps.length - 1]!;
      const r: ConnectionsResult = {
        connections: have,
        before,
        steps,
        rssPerConnection: last.rss / have,
        heapPerConnection: last.heapUsed / have,
        externalPerConnection: last.external / have,
        cpuUsPerConnection: (cpuS * 1e6) / have,
        connectSeconds: connectS,
        openFiles: openFiles(t.server.pid),
      };
      process.stderr.write(
        `    ${fmt(have)} connections: RSS +${fmt(last.rss / 2 ** 20, 1)} MiB (${(r.rssPerConnection / KIB).toFixed(2)} KiB each), heap ${(r.heapPerConnection / KIB).toFixed(2)} KiB each\n`,
      );
      return r;
    });
    await report(outcomes, config);
  } finally {
    await lg.stop();
  }
}

async function report(outcomes: Outcome<ConnectionsResult>[], config: Record<string, unknown>): Promise<void> {
  const header = ['server', 'connections', 'RSS KiB/conn', 'heap KiB/conn', 'external KiB/conn', 'RSS at start MiB', 'server CPU µs/handshake', 'connects/s', 'open files', 'target'];
  const rows = outcomeRows(outcomes, header.length, (r, o) => [
    [
      o.label,
      fmt(r.connections),
      (r.rssPerConnection / KIB).toFixed(2),
      (r.heapPerConnection / KIB).toFixed(2),
      (r.externalPerConnection / KIB).toFixed(2),
      (r.before.rss / 2 ** 20).toFixed(1),
      fmt(r.cpuUsPerConnection),
      fmt(r.connections / r.connectSeconds),
      fmt(r.openFiles),
      o.name === 'herald' ? `${r.connections >= 19_000 && r.rssPerConnection <= 8 * KIB ? 'met' : 'MISSED'} (19,000, ≤ 8 KiB)` : '',
    ],
  ]);
  const get = (name: TargetName) => resultOf(outcomes, name);
  const h = get('herald');
  const ratioHeader = ['Herald ÷', 'RSS/conn', 'heap/conn', 'CPU/handshake'];
  const ratioRows = (['socketio', 'rawws'] as const).map((n) => {
    const b = get(n);
    return [n === 'socketio' ? 'stock Socket.IO' : 'raw ws', ratio(h?.rssPerConnection, b?.rssPerConnection), ratio(h?.heapPerConnection, b?.heapPerConnection), ratio(h?.cpuUsPerConnection, b?.cpuUsPerConnection)];
  });
  process.stdout.write(`\nIdle connections per server process (memory after a full GC; server and clients on one machine)\n\n${table([header, ...rows])}\n\n${table([ratioHeader, ...ratioRows])}\n`);
  const stepHeader = ['server', ...(outcomes.find((o) => o.ok) as { result: ConnectionsResult } | undefined)?.result.steps.map((s) => `RSS Δ at ${fmt(s.connections)}`) ?? []];
  const stepRows = outcomes.flatMap((o) => (o.ok ? [[o.label, ...o.result.steps.map((s) => `${fmt(s.rss / 2 ** 20, 1)} MiB`)]] : []));
  const markdown = [
    '## Connections (`npm run bench -- connections`)',
    '',
    `Code ${config.code}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
    '',
    `Idle WebSocket clients of one server process, up to ${fmt(CONNECTIONS)} (the process open-file limit is ${fmt(openFileLimit())}), each subscribed to one channel ` +
      `(Herald also subscribes each to \`user:{sub}\` and \`broadcast\`, and each has its own token). Per connection: growth of VmRSS and of the V8 heap ` +
      `(\`process.memoryUsage()\` right after \`gc()\`, taken by a preload in every server) from before the first client to ${fmt(CONNECTIONS)} clients, ` +
      `${SETTLE_MS / 1000} s after the last connected. Server CPU per handshake includes the subscribe.`,
    '',
    markdownTable(header, rows),
    '',
    markdownTable(ratioHeader, ratioRows),
    '',
    'RSS growth by step:',
    '',
    markdownTable(stepHeader, stepRows),
  ].join('\n');
  const values = outcomes.flatMap((o) =>
    o.ok
      ? [
          { server: o.label, measure: 'RSS', kib: Number((o.result.rssPerConnection / KIB).toFixed(2)) },
          { server: o.label, measure: 'V8 heap', kib: Number((o.result.heapPerConnection / KIB).toFixed(2)) },
        ]
      : [],
  );
  await writeResults(
    'connections',
    { config, outcomes },
    {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: `Server memory per idle connection (${fmt(CONNECTIONS)} connections, KiB)`,
      width: 420,
      height: 160,
      data: { values },
      mark: 'bar',
      encoding: {
        y: { field: 'server', type: 'nominal', sort: null, title: null },
        yOffset: { field: 'measure' },
        x: { field: 'kib', type: 'quantitative', title: 'KiB per connection' },
        color: { field: 'measure', type: 'nominal' },
      },
    },
    markdown,
  );
}
