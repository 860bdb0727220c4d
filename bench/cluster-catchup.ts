/**
 * Cluster scenario, part 4: the clients of a killed node. Three nodes on one PostgreSQL database
 * and one Redis; 3,000 clients subscribed to one channel, a third connected straight to each
 * node's port; messages published continuously through node A. Node C is killed (SIGKILL: no
 * goodbye, the kernel resets its sockets); as soon as its clients see their connection end they
 * reconnect to A and B (spread evenly, at once) and subscribe with `since` = the last seq they
 * received. Reported from the kill: until every client has every message answered before the
 * kill, and until every client has a message published after they were all back (live again).
 * Publishing then goes on for a while, stops, and every client of the three nodes is checked
 * against the last answered seq: lost and duplicated messages counted from the seqs.
 * Target (SPEC §7): the clients of a killed node caught up on the survivors within 10 s, none
 * lost, none twice.
 */
import { envInt, fmt, sleep } from './lib/config.js';
import { startCluster } from './lib/cluster-nodes.js';
import { summarize, type Percentiles } from './lib/histogram.js';
import type { LoadGen } from './lib/loadgen.js';
import { benchData, nowNs } from './lib/payload.js';
import { progress } from './lib/progress.js';
import { table } from './lib/report.js';
import { markdownTable } from './lib/scenario.js';
import type { HeraldTarget } from './lib/targets.js';

export const CATCHUP = {
  clients: envInt('BENCH_CLUSTER_CATCHUP_CLIENTS', 3_000),
  nodes: Math.max(2, envInt('BENCH_CLUSTER_NODES', 3)),
  /**
   * Messages per second, one per request, through node A. Each goes to every client: 5/s to 3,000
   * clients is 15,000 deliveries/s, about a quarter of what this machine delivers one message per
   * request (the fan-out part); at 20/s live delivery alone saturated it and the reconnections
   * queued behind it.
   */
  rate: envInt('BENCH_CLUSTER_CATCHUP_RATE', 5),
  /** Seconds of publishing before the kill, and after every client is back. */
  before: envInt('BENCH_CLUSTER_CATCHUP_BEFORE', 3),
  after: envInt('BENCH_CLUSTER_CATCHUP_AFTER', 3),
  /** Reconnections in flight per load-generator process (see catchup.ts). */
  concurrency: envInt('BENCH_CATCHUP_CONCURRENCY', 100),
};
const TIMEOUT_MS = 60_000;

export interface KilledNodeResult {
  nodes: number;
  clients: number;
  /** Clients of the killed node. */
  moved: number;
  rate: number;
  /** Last seq answered before the kill. */
  headAtKill: number;
  /** Last seq answered when publishing stopped. */
  finalHead: number;
  /** From the kill until every client of the killed node saw its connection end. */
  noticedMs: number;
  /** From the kill until every one of them was connected and subscribed again. */
  reconnectedMs: number;
  /** From the kill until every client had every message answered before the kill. */
  hadKillHeadMs: number | null;
  /**
   * From the kill until every client had every message up to the first one published after all
   * were back: what they missed while away, and live again.
   */
  caughtUpMs: number | null;
  reconnectRetries: number;
  reconnectFailed: number;
  /** Every client has every seq up to `finalHead` (checked after publishing stopped). */
  complete: boolean;
  lost: number;
  duplicates: number;
  publishErrors: number;
  /** Deliveries before the kill, publish on A → received on any node. */
  steadyLatency: Percentiles;
  errors: string[];
}

/** Publishes one message per request at `rate`/s, one after the other, and keeps the last answered seq. */
function publisher(t: HeraldTarget, channel: string, rate: number) {
  let head = 0;
  let errors = 0;
  let firstError: string | undefined;
  let running = true;
  const done = (async () => {
    const t0 = performance.now();
    for (let i = 0; running; i++) {
      const wait = t0 + (i * 1000) / rate - performance.now();
      if (wait > 0) await sleep(wait);
      try {
        const r = await t.http.request<{ messages: { seq: number }[] }>('POST', '/v1/publish', t.herald.apiKey, { channel, event: 'bench', data: benchData(i) });
        if (r.status === 200) head = Math.max(head, r.body.messages[0]!.seq);
        else {
          errors++;
          firstError ??= `HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`;
        }
      } catch (err) {
        errors++;
        firstError ??= (err as Error).message;
      }
    }
  })();
  return {
    head: () => head,
    errors: () => errors,
    firstError: () => firstError,
    async stop() {
      running = false;
      await done;
    },
  };
}

export async function measureKilledNode(lg: LoadGen): Promise<KilledNodeResult> {
  const { clients, nodes: n, rate } = CATCHUP;
  process.stderr.write(`  — ${n} nodes, PostgreSQL + Redis\n`);
  const cluster = await startCluster(n, (i) => `Herald node ${String.fromCharCode(65 + i)}`);
  try {
    const nodes = cluster.nodes;
    const a = nodes[0]!;
    const victim = nodes[n - 1]!;
    const channel = a.channel('cluster-catchup');
    // Tokens minted on A are valid on every node (shared JWT secret).
    const { tokens, spec } = await a.clients(channel, clients);
    const share = (i: number) => Math.floor(clients / n) + (i < clients % n ? 1 : 0);
    let offset = 0;
    for (const [i, node] of nodes.entries()) {
      const bar = progress(`connecting ${fmt(share(i))} clients to ${node.label}`, share(i));
      const r = await lg.connect({ ...spec, url: node.server.url }, share(i), { tokens: tokens!.slice(offset, offset + share(i)), onProgress: (c) => bar.update(c) });
      offset += share(i);
      bar.done(`${r.connected} subscribed in ${(r.ms / 1000).toFixed(1)} s${r.failed ? `, ${r.failed} FAILED` : ''}`);
      if (r.failed) throw new Error(`${r.failed} clients of ${node.label} failed to subscribe: ${r.errors.join('; ')}`);
    }
    await lg.reset();

    process.stderr.write(`  publishing ${rate} messages/s through ${a.label} for ${CATCHUP.before} s …\n`);
    const pub = publisher(a, channel, rate);
    await sleep(CATCHUP.before * 1000);
    const steady = await lg.collect();

    process.stderr.write(`  SIGKILL ${victim.label} (${fmt(share(n - 1))} clients) …\n`);
    const killNs = nowNs();
    const headAtKill = pub.head();
    await victim.herald.kill('SIGKILL');
    const stillOpen = clients - share(n - 1);
    const deadline = Date.now() + TIMEOUT_MS;
    while ((await lg.collect()).open > stillOpen && Date.now() < deadline) await sleep(25);
    const noticedNs = nowNs();

    const bar = progress(`reconnecting to ${nodes.slice(0, -1).map((x) => x.label).join(' and ')}`, share(n - 1));
    const { connect, catchUp } = await lg.reconnect(headAtKill, {
      urls: nodes.slice(0, -1).map((x) => x.server.url),
      startNs: killNs,
      concurrency: CATCHUP.concurrency,
      timeoutMs: TIMEOUT_MS,
      onProgress: (c) => bar.update(c),
    });
    const reconnectedMs = (noticedNs - killNs) / 1e6 + connect.ms;
    bar.done(`all back ${(reconnectedMs / 1000).toFixed(2)} s after the kill`);
    // The next message answered was published once every client was back: having it (and, checked
    // by the seqs, everything before it) is being caught up and live again.
    const live = await lg.watch(pub.head() + 1, { startNs: killNs, timeoutMs: TIMEOUT_MS });
    process.stderr.write(`  ${live ? `caught up and live ${(live.ms / 1000).toFixed(2)} s after the kill` : 'NOT all caught up'}\n`);

    process.stderr.write(`  publishing ${CATCHUP.after} s more, then checking every client …\n`);
    await sleep(CATCHUP.after * 1000);
    await pub.stop();
    const finalHead = pub.head();
    const end = await lg.watch(finalHead, { startNs: nowNs(), timeoutMs: TIMEOUT_MS });
    const c = await lg.collect();
    if (pub.firstError()) process.stderr.write(`  first publish error: ${pub.firstError()}\n`);
    return {
      nodes: n,
      clients,
      moved: share(n - 1),
      rate,
      headAtKill,
      finalHead,
      noticedMs: (noticedNs - killNs) / 1e6,
      reconnectedMs,
      hadKillHeadMs: catchUp?.ms ?? null,
      caughtUpMs: live?.ms ?? null,
      reconnectRetries: connect.retries,
      reconnectFailed: connect.failed,
      complete: end !== null,
      lost: c.gaps + c.behind,
      duplicates: c.duplicates,
      publishErrors: pub.errors(),
      steadyLatency: summarize(steady.histogram),
      errors: connect.errors,
    };
  } finally {
    await lg.close();
    await cluster.stop();
  }
}

export function killedNodeReport(r: KilledNodeResult): { text: string; markdown: string; chart: object } {
  const s = (ms: number | null) => (ms === null ? 'not all' : (ms / 1000).toFixed(2));
  const met = r.caughtUpMs !== null && r.caughtUpMs <= 10_000 && r.complete && r.lost === 0 && r.duplicates === 0;
  const header = ['nodes', 'clients', 'on the killed node', 'messages/s', 'noticed s', 'had all up to the kill s', 'all back s', 'caught up and live s', 'retried', 'failed', 'lost', 'duplicates', 'publish errors', 'steady p50 / p99 ms', 'target'];
  const row = [
    r.nodes,
    fmt(r.clients),
    fmt(r.moved),
    r.rate,
    s(r.noticedMs),
    s(r.hadKillHeadMs),
    s(r.reconnectedMs),
    s(r.caughtUpMs),
    r.reconnectRetries,
    r.reconnectFailed,
    r.lost,
    r.duplicates,
    r.publishErrors,
    `${r.steadyLatency.p50} / ${r.steadyLatency.p99}`,
    `${met ? 'met' : 'MISSED'} (≤ 10 s, 0 lost, 0 twice)`,
  ];
  const intro =
    `${r.nodes} Herald nodes on one PostgreSQL database and one Redis; ${fmt(r.clients)} clients (raw Socket.IO protocol clients of the load generator) subscribed to one channel, ` +
    `a third connected straight to each node's port; ${r.rate} messages/s published one per request through node A. Node ${String.fromCharCode(64 + r.nodes)} is killed with SIGKILL; ` +
    `its ${fmt(r.moved)} clients reconnect at once (≤ ${CATCHUP.concurrency} handshakes in flight per load-generator process) to the survivors, spread evenly, with \`subscribe { since: lastSeq }\`. ` +
    `Times in seconds from the kill: "noticed" = every one of its clients saw its connection end; "had all up to the kill" = every client of the cluster has ` +
    `every message answered before the kill (seq ${fmt(r.headAtKill)}; mostly delivered live before the kill already); "all back" = all subscribed again; ` +
    '"caught up and live" = every client has every message up to the first one published after all were back (what they missed while away, and live again: the SPEC\'s figure). ' +
    `Publishing then went on ${CATCHUP.after} s (to seq ${fmt(r.finalHead)}); lost and duplicates are counted per client from the seqs over the whole run. ` +
    '"steady" is publish → received before the kill, every delivery.';
  return {
    text: `Clients of a killed node, caught up on the survivors\n\n${table([header, row])}\n${r.errors.length ? `\nreconnect errors: ${r.errors.join('; ')}\n` : ''}`,
    markdown: ['### Clients of a killed node', '', intro, '', markdownTable(header, [row])].join('\n'),
    chart: {
      title: 'Clients of a killed node: seconds from the kill',
      width: 420,
      height: 100,
      data: {
        values: [
          { step: 'noticed', s: r.noticedMs / 1000 },
          { step: 'had all up to the kill', s: (r.hadKillHeadMs ?? 0) / 1000 },
          { step: 'all back', s: r.reconnectedMs / 1000 },
          { step: 'caught up and live', s: (r.caughtUpMs ?? 0) / 1000 },
          { step: 'SPEC bound (caught up)', s: 10 },
        ],
      },
      mark: 'bar',
      encoding: {
        y: { field: 'step', type: 'nominal', sort: null, title: null },
        x: { field: 's', type: 'quantitative', title: 'seconds' },
      },
    },
  };
}
