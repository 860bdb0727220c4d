/**
 * Cluster scenario, part 3: fan-out with `HERALD_WORKERS=2` against `HERALD_WORKERS=1`, both on
 * PostgreSQL and Redis: many sockets subscribed to one channel, connected to the node's one port
 * (the primary hands each connection to a worker in turn), messages published over HTTP as in the
 * fanout scenario (`lib/fanout-run.ts`). Server CPU is the node's whole process tree (primary and
 * workers); the connections each worker holds are read from its open files.
 */
import { envInts, fmt, sleep } from './lib/config.js';
import { startPostgresNode, workerProcesses } from './lib/cluster-nodes.js';
import { FANOUT, FANOUT_MODES, measureFanout, modeLabel, type FanoutResult } from './lib/fanout-run.js';
import type { LoadGen } from './lib/loadgen.js';
import { openFiles } from './lib/procstat.js';
import { table } from './lib/report.js';
import { connectClients, eachSetup, markdownTable, outcomeRows, ratio, resultOf, type Outcome, type Setup } from './lib/scenario.js';

export const WORKER_COUNTS = envInts('BENCH_CLUSTER_WORKERS', [1, 2]);

export interface WorkersFanout {
  workers: number;
  /** Processes of the node (primary first) and the open files of each after the clients connected. */
  processes: { pid: number; openFiles: number }[];
  modes: FanoutResult[];
}

export function measureWorkersFanout(lg: LoadGen): Promise<Outcome<WorkersFanout, string>[]> {
  const setups: Setup[] = WORKER_COUNTS.map((workers) => ({
    name: `workers-${workers}`,
    label: `HERALD_WORKERS=${workers}`,
    start: () => startPostgresNode(`Herald, HERALD_WORKERS=${workers}`, { redis: true, workers }),
  }));
  return eachSetup(setups, lg, async (t, setup) => {
    const workers = WORKER_COUNTS[setups.indexOf(setup)]!;
    // Before any client: a build without worker processes is reported, not measured as if it had them.
    let pids = workerProcesses(t, workers);
    const channel = t.channel('fanout');
    await connectClients(t, lg, channel, 0, FANOUT.subscribers);
    await sleep(1000);
    pids = workerProcesses(t, workers);
    const processes = pids.map((pid) => ({ pid, openFiles: openFiles(pid) }));
    const modes: FanoutResult[] = [];
    for (const mode of FANOUT_MODES) if (mode.requests > 0) modes.push(await measureFanout(t, lg, channel, mode, { subscribers: FANOUT.subscribers, cpuPids: pids }));
    return { workers, processes, modes };
  });
}

export function fanoutReport(outcomes: Outcome<WorkersFanout, string>[]): { text: string; markdown: string; chart: object } {
  const header = ['node', 'mode', 'deliveries/s', 'server CPU µs/delivery', 'server cores', 'loadgen cores', 'machine busy', 'p50 ms', 'p99 ms', 'lost', 'dup', 'open files per process'];
  const rows = outcomeRows(outcomes, header.length, (result, o) =>
    result.modes.map((r) => [
      o.label,
      modeLabel(r.mode),
      fmt(r.deliveriesPerSecond),
      r.cpuUsPerDelivery.toFixed(3),
      r.serverCores.toFixed(2),
      (r.loadgenCpuS / r.seconds).toFixed(2),
      `${Math.round(r.machineBusy * 100)} %`,
      r.latency.p50,
      r.latency.p99,
      r.lost,
      r.duplicates,
      result.processes.map((p) => fmt(p.openFiles)).join(' / '),
    ]),
  );
  const [one, ...more] = WORKER_COUNTS;
  const ratioHeader = ['mode', ...more.map((w) => `deliveries/s, ${w} workers ÷ ${one}`), ...more.map((w) => `CPU/delivery, ${w} workers ÷ ${one}`), ...more.map((w) => `p99, ${w} workers ÷ ${one}`)];
  const find = (w: number | undefined, mode: string) => resultOf(outcomes, `workers-${w}`)?.modes.find((r) => r.mode === mode);
  const ratioRows = FANOUT_MODES.map((m) => [
    m.label,
    ...more.map((w) => ratio(find(w, m.key)?.deliveriesPerSecond, find(one, m.key)?.deliveriesPerSecond)),
    ...more.map((w) => ratio(find(w, m.key)?.cpuUsPerDelivery, find(one, m.key)?.cpuUsPerDelivery)),
    ...more.map((w) => ratio(find(w, m.key)?.latency.p99, find(one, m.key)?.latency.p99)),
  ]);
  const intro =
    `One channel, ${fmt(FANOUT.subscribers)} WebSocket subscribers all connected to the node's one port, Herald on PostgreSQL and Redis with HERALD_WORKERS = ${WORKER_COUNTS.join(' and ')}. ` +
    `Bursts: ${FANOUT.bursts} HTTP requests of ${FANOUT.burst} messages, ≤ 2 undelivered; single: ${FANOUT.singles} requests of one message, ≤ ${FANOUT.window} undelivered (the fanout scenario's load). ` +
    'Server CPU = utime + stime of the node\'s primary and workers; "open files per process" (primary first) shows how the connections were spread. ' +
    'The load generator shares the 2 cores: "machine busy" near 100 % means the figure is the machine\'s, not the node\'s.';
  const values = outcomes.flatMap((o) => (o.ok ? o.result.modes.map((r) => ({ node: o.label, mode: modeLabel(r.mode), rate: Math.round(r.deliveriesPerSecond) })) : []));
  const notes = outcomes.flatMap((o) => (o.ok ? [] : [`${o.label}: ${o.reason}`]));
  return {
    text: `Fan-out to ${fmt(FANOUT.subscribers)} subscribers, worker processes of one node\n\n${table([header, ...rows])}\n\n${table([ratioHeader, ...ratioRows])}\n${notes.map((n) => `note: ${n}\n`).join('')}`,
    markdown: ['### Fan-out with several worker processes', '', intro, '', markdownTable(header, rows), '', markdownTable(ratioHeader, ratioRows), ...notes.map((n) => `\n- ${n}`)].join('\n'),
    chart: {
      title: `Fan-out to ${fmt(FANOUT.subscribers)}: deliveries/s by worker count`,
      width: 420,
      height: 100,
      data: { values },
      mark: 'bar',
      encoding: {
        y: { field: 'node', type: 'nominal', sort: null, title: null },
        yOffset: { field: 'mode' },
        x: { field: 'rate', type: 'quantitative', title: 'deliveries / s' },
        color: { field: 'mode', type: 'nominal', legend: { labelLimit: 300 } },
      },
    },
  };
}
