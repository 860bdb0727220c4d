/**
 * Cluster scenario, part 2: publish on one node → received on another. Two nodes on one
 * PostgreSQL database and one Redis; subscribers on node B, messages published one at a time
 * through node A's HTTP API (the latency scenario's load, `lib/latency-run.ts`). Measured in the
 * same run: the same load on one node on PostgreSQL without Redis (the single-node figure the SPEC
 * compares with), on one node on SQLite, publisher and subscribers on the same node of the
 * two-node cluster (what Redis costs without the hop), and the latency scenario's baselines.
 * Target (SPEC §7): cluster p99 ≤ 2× the single-node figure at 1 and 1,000 subscribers.
 */
import { envInt, envInts, fmt, targetsFromEnv } from './lib/config.js';
import { startCluster, startNode, startPostgresNode } from './lib/cluster-nodes.js';
import { measureLatency, type LatencyPlan, type LatencyResult } from './lib/latency-run.js';
import type { LoadGen } from './lib/loadgen.js';
import { table } from './lib/report.js';
import { eachSetup, markdownTable, outcomeRows, ratio, resultOf, type Outcome, type Setup } from './lib/scenario.js';
import { crossNodeTarget, LABELS, startTarget } from './lib/targets.js';

export const LATENCY_SIZES = envInts('BENCH_CLUSTER_LATENCY_SIZES', [1, 1_000]);
const SAMPLES = envInts('BENCH_CLUSTER_LATENCY_SAMPLES', [1_000, 300]);
const samplesFor = (i: number) => SAMPLES[Math.min(i, SAMPLES.length - 1)]!;
const PLAN: LatencyPlan = {
  sizes: LATENCY_SIZES,
  samples: samplesFor,
  gapMs: envInt('BENCH_LATENCY_GAP_MS', 5),
  warmup: envInt('BENCH_LATENCY_WARMUP', 20),
  timeoutMs: 10_000,
};

const LABEL = {
  cross: 'Herald cluster, publish on A → receive on B',
  same: 'Herald cluster, publish on A → receive on A',
  postgres: 'Herald one node, PostgreSQL',
  sqlite: 'Herald one node, SQLite',
};

/** Names short enough for the chart's axis. */
const SHORT: Record<LatencySetup, string> = {
  cross: 'cluster A → B',
  same: 'cluster A → A',
  postgres: 'one node, PostgreSQL',
  sqlite: 'one node, SQLite',
  socketio: LABELS.socketio,
  rawws: LABELS.rawws,
  soketi: LABELS.soketi,
};

export type LatencySetup = 'cross' | 'same' | 'postgres' | 'sqlite' | 'socketio' | 'rawws' | 'soketi';

function setups(): Setup<LatencySetup>[] {
  const cluster = async (cross: boolean) => {
    const c = await startCluster(2, (i) => `Herald node ${String.fromCharCode(65 + i)}`);
    const a = c.nodes[0]!;
    const t = crossNodeTarget(a, cross ? c.nodes[1]! : a, cross ? LABEL.cross : LABEL.same);
    return { ...t, stop: c.stop };
  };
  const baselines = targetsFromEnv(['socketio', 'rawws', 'soketi']) as ('socketio' | 'rawws' | 'soketi')[];
  return [
    { name: 'cross', label: LABEL.cross, start: () => cluster(true) },
    { name: 'same', label: LABEL.same, start: () => cluster(false) },
    { name: 'postgres', label: LABEL.postgres, start: () => startPostgresNode(LABEL.postgres) },
    { name: 'sqlite', label: LABEL.sqlite, start: () => startNode({ label: LABEL.sqlite }) },
    ...baselines.map((name) => ({ name, label: LABELS[name], start: () => startTarget(name) })),
  ];
}

export function measureClusterLatency(lg: LoadGen): Promise<Outcome<LatencyResult[], LatencySetup>[]> {
  return eachSetup(setups(), lg, (t) => measureLatency(t, lg, PLAN));
}

export function latencyReport(outcomes: Outcome<LatencyResult[], LatencySetup>[]): { text: string; markdown: string; chart: object } {
  const header = ['set-up', 'subscribers', 'delivery p50', 'delivery p95', 'delivery p99', 'to last p50', 'to last p95', 'to last p99', 'to last max', 'publish ack p50', 'publish ack p99', 'lost'];
  const rows = outcomeRows(outcomes, header.length, (result, o) =>
    result.map((r) => [
      o.label,
      fmt(r.subscribers),
      r.perDelivery.p50,
      r.perDelivery.p95,
      r.perDelivery.p99,
      r.toLast.p50,
      r.toLast.p95,
      r.toLast.p99,
      r.toLast.max,
      r.publishAck.p50,
      r.publishAck.p99,
      r.lost + (r.timeouts ? ` (${r.timeouts} timed out)` : ''),
    ]),
  );
  const find = (name: LatencySetup, size: number) => resultOf(outcomes, name)?.find((r) => r.subscribers === size);
  const ratioHeader = ['subscribers', 'cross-node p99 ÷ one node (PostgreSQL)', 'p50 ÷ one node (PostgreSQL)', 'cross-node p99 ÷ one node (SQLite)', 'cross-node p99 ÷ same node of the cluster', 'cross-node p99 ÷ raw ws', 'target'];
  const ratioRows = LATENCY_SIZES.map((size) => {
    const c = find('cross', size);
    const p = find('postgres', size);
    const verdict = c && p ? `${c.toLast.p99 <= 2 * p.toLast.p99 ? 'met' : 'MISSED'} (p99 ≤ 2× one node)` : '';
    return [
      fmt(size),
      ratio(c?.toLast.p99, p?.toLast.p99),
      ratio(c?.toLast.p50, p?.toLast.p50),
      ratio(c?.toLast.p99, find('sqlite', size)?.toLast.p99),
      ratio(c?.toLast.p99, find('same', size)?.toLast.p99),
      ratio(c?.toLast.p99, find('rawws', size)?.toLast.p99),
      verdict,
    ];
  });
  const intro =
    `HTTP publish → received over WebSocket, one message at a time (the next ${PLAN.gapMs} ms after every subscriber has the previous one), ` +
    `${LATENCY_SIZES.map((s, i) => `${fmt(s)} subscribers × ${fmt(samplesFor(i))} messages`).join(', ')}, after ${PLAN.warmup} warm-up messages, as in the latency scenario. ` +
    'Cluster: two Herald processes on one PostgreSQL database and one Redis, the publish through node A\'s HTTP API (answered once stored), subscribers connected to node B ' +
    '(or to A, "same node"). "to last" is, per message, the slowest subscriber; milliseconds.';
  const values = outcomes.flatMap((o) =>
    o.ok
      ? o.result.flatMap((r) => [
          { setup: SHORT[o.name], subscribers: r.subscribers, stat: 'p50', ms: r.toLast.p50 },
          { setup: SHORT[o.name], subscribers: r.subscribers, stat: 'p99', ms: r.toLast.p99 },
        ])
      : [],
  );
  return {
    text: `Publish → received latency (ms), cross-node vs one node\n\n${table([header, ...rows])}\n\nCross-node ÷ the others (lower is better)\n\n${table([ratioHeader, ...ratioRows])}\n`,
    markdown: ['### Publish on one node → receive on another', '', intro, '', markdownTable(header, rows), '', 'Cross-node ÷ the others (SPEC: p99 ≤ 2× the single-node figure):', '', markdownTable(ratioHeader, ratioRows)].join('\n'),
    chart: {
      title: 'Publish → received, to the last subscriber (ms)',
      data: { values },
      facet: { column: { field: 'subscribers', type: 'ordinal', sort: 'ascending', title: 'subscribers', header: { labelExpr: "format(datum.value, ',')" } } },
      spec: {
        width: 220,
        height: 160,
        mark: 'bar',
        encoding: {
          x: { field: 'setup', type: 'nominal', sort: null, title: null, axis: { labelAngle: -40, labelLimit: 200 } },
          xOffset: { field: 'stat' },
          y: { field: 'ms', type: 'quantitative', title: 'ms' },
          color: { field: 'stat', type: 'nominal' },
        },
      },
      resolve: { scale: { y: 'independent' } },
    },
  };
}
