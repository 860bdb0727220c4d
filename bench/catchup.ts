/**
 * `npm run bench -- catchup` (Herald only: the baselines keep no history).
 *
 * 1. Many clients after a restart: 19,000 clients subscribed to one channel receive some messages
 *    live; the server is stopped; it comes back on the same port and database and N messages are
 *    published before the clients return; then every client reconnects at once with
 *    `subscribe { channel, since: lastSeq }`. Reported: time until every client has every missed
 *    message, with lost = 0 and duplicates = 0 checked per client from the seqs.
 * 2. One client that missed 10,000 messages on one channel: connect, `subscribe` with `since`
 *    (the ack carries 1,000), then page `GET /v1/channels/{ch}/history?since=&limit=1000` to the
 *    head. Reported: time until caught up, over several tries.
 * Targets (SPEC §7): 19,000 clients caught up within 10 s, none lost, none twice; the one client
 * within 1 s.
 */
import { envInt, fmt, openFileLimit, printConfig, sleep } from './lib/config.js';
import { latencyHistogram, summarize, type Percentiles } from './lib/histogram.js';
import { HeraldSocket } from './lib/herald-socket.js';
import { LoadGen, workersFor } from './lib/loadgen.js';
import { benchData } from './lib/payload.js';
import { cpuMeter } from './lib/procstat.js';
import { progress } from './lib/progress.js';
import { table, writeResults } from './lib/report.js';
import { connectClients, markdownTable } from './lib/scenario.js';
import { startHeraldTarget, type HeraldTarget } from './lib/targets.js';

const CLIENTS = Math.min(envInt('BENCH_CATCHUP_CLIENTS', 19_000), openFileLimit() - 200);
const LIVE = envInt('BENCH_CATCHUP_LIVE', 10);
const MISSED = envInt('BENCH_CATCHUP_MISSED', 100);
const DEEP = envInt('BENCH_CATCHUP_DEEP', 10_000);
const DEEP_TRIES = envInt('BENCH_CATCHUP_DEEP_TRIES', 10);
/**
 * Reconnections in flight per load-generator process. With 4 processes, 100 each keeps the
 * handshakes in flight under Node's listen backlog (511); 500 each overflowed it (SYN-ACKs
 * dropped, resets, 1 s retransmits) and measured the backlog rather than the server.
 */
const RECONNECT_CONCURRENCY = envInt('BENCH_CATCHUP_CONCURRENCY', 100);
const WORKERS = envInt('BENCH_WORKERS', workersFor(CLIENTS));
const PAGE = 1000;

export interface RestartResult {
  clients: number;
  missed: number;
  /** From the reconnect command until the last client had its last missed message. */
  caughtUpMs: number | null;
  /** Until every client was connected and subscribed again. */
  reconnectMs: number;
  reconnectFailed: number;
  /** Handshakes that failed and were retried after a backoff, like socket.io-client does. */
  reconnectRetries: number;
  caughtUp: number;
  lost: number;
  duplicates: number;
  serverCpuS: number;
  loadgenCpuS: number;
  /** All CPUs of the machine during the reconnect (1 = both cores busy). */
  machineBusy: number;
  errors: string[];
}

export interface DeepResult {
  missed: number;
  tries: number;
  total: Percentiles;
  connect: Percentiles;
  ack: Percentiles;
  history: Percentiles;
  pages: number;
  complete: boolean;
}

async function publishMany(t: HeraldTarget, channel: string, n: number, label: string): Promise<void> {
  const bar = progress(label, n);
  for (let done = 0; done < n; ) {
    const k = Math.min(PAGE, n - done);
    await t.publish(channel, Array.from({ length: k }, (_, j) => benchData(done + j)));
    done += k;
    bar.update(done);
  }
  bar.done();
}

async function restart(t: HeraldTarget, lg: LoadGen): Promise<RestartResult> {
  const channel = t.channel('catchup');
  await connectClients(t, lg, channel, 0, CLIENTS);
  // Live traffic first, so every client has a cursor.
  const delivered = Promise.all(Array.from({ length: LIVE }, (_, i) => lg.expect(i, 60_000)));
  await t.publish(channel, Array.from({ length: LIVE }, (_, i) => benchData(i)));
  if ((await delivered).some((x) => x === null)) throw new Error('the live messages did not reach every client');

  process.stderr.write('  stopping Herald …\n');
  await t.herald.kill();
  const deadline = Date.now() + 60_000;
  while ((await lg.collect()).open > 0 && Date.now() < deadline) await sleep(200);
  process.stderr.write('  Herald restarting on the same port and database; publishing while the clients are away …\n');
  await t.herald.start();
  await publishMany(t, channel, MISSED, 'publishing missed messages');

  await lg.reset();
  const meter = cpuMeter(t.server.pid);
  const bar = progress('reconnecting with since = cursor', CLIENTS);
  const { connect, catchUp } = await lg.reconnect(LIVE + MISSED, {
    concurrency: RECONNECT_CONCURRENCY,
    timeoutMs: 120_000,
    onProgress: (c) => bar.update(c),
  });
  const cpu = meter.stop();
  const c = await lg.collect();
  bar.done(catchUp ? `all caught up in ${(catchUp.ms / 1000).toFixed(2)} s` : `NOT all caught up: ${c.caughtUp} of ${CLIENTS}`);
  return {
    clients: CLIENTS,
    missed: MISSED,
    caughtUpMs: catchUp?.ms ?? null,
    reconnectMs: connect.ms,
    reconnectFailed: connect.failed,
    reconnectRetries: connect.retries,
    caughtUp: c.caughtUp,
    lost: c.gaps + c.behind,
    duplicates: c.duplicates,
    serverCpuS: cpu.serverCpuS,
    loadgenCpuS: c.loadgenCpuS,
    machineBusy: cpu.machineBusy,
    errors: connect.errors,
  };
}

async function deep(t: HeraldTarget): Promise<DeepResult> {
  const channel = t.channel('deep');
  await publishMany(t, channel, DEEP, `publishing ${fmt(DEEP)} messages on ${channel}`);
  const { tokens } = await t.clients(channel, 1);
  const token = tokens![0]!;
  const h = { total: latencyHistogram(), connect: latencyHistogram(), ack: latencyHistogram(), history: latencyHistogram() };
  const us = (a: bigint, b: bigint) => Math.max(1, Number((b - a) / 1000n));
  let pages = 0;
  let complete = true;
  const bar = progress(`one client catching up ${fmt(DEEP)} messages`, DEEP_TRIES);
  for (let i = 0; i < DEEP_TRIES; i++) {
    const t0 = process.hrtime.bigint();
    const socket = await HeraldSocket.connect(t.server.url, token);
    const t1 = process.hrtime.bigint();
    const ack = await socket.emitWithAck<{ ok: boolean; head: number; messages: { seq: number }[] }>('subscribe', { channel, since: 0 });
    const t2 = process.hrtime.bigint();
    let cursor = 0;
    let received = 0;
    const apply = (messages: { seq: number }[]) => {
      for (const m of messages) {
        if (m.seq !== cursor + 1) complete = false;
        cursor = m.seq;
        received++;
      }
    };
    apply(ack.messages);
    pages = 0;
    while (cursor < ack.head) {
      const r = await t.http.request<{ messages: { seq: number }[] }>('GET', `/v1/channels/${channel}/history?since=${cursor}&limit=${PAGE}`, token);
      if (r.status !== 200 || r.body.messages.length === 0) {
        complete = false;
        break;
      }
      apply(r.body.messages);
      pages++;
    }
    const t3 = process.hrtime.bigint();
    socket.close();
    if (received !== DEEP) complete = false;
    h.total.recordValue(us(t0, t3));
    h.connect.recordValue(us(t0, t1));
    h.ack.recordValue(us(t1, t2));
    h.history.recordValue(us(t2, t3));
    bar.update(i + 1);
  }
  const total = summarize(h.total);
  bar.done(`p50 ${total.p50} ms, max ${total.max} ms`);
  return { missed: DEEP, tries: DEEP_TRIES, total, connect: summarize(h.connect), ack: summarize(h.ack), history: summarize(h.history), pages, complete };
}

export async function run(): Promise<void> {
  const config = printConfig('catchup', {
    clients: CLIENTS,
    liveBeforeRestart: LIVE,
    missedWhileAway: MISSED,
    reconnectConcurrency: `${RECONNECT_CONCURRENCY} per load-generator process`,
    workers: WORKERS,
    oneClientMissed: DEEP,
    oneClientTries: DEEP_TRIES,
    targets: ['herald'],
  });
  const lg = await LoadGen.start(WORKERS);
  let restartResult: RestartResult;
  let deepResult: DeepResult;
  const t = await startHeraldTarget();
  try {
    restartResult = await restart(t, lg);
    await lg.close();
    deepResult = await deep(t);
  } finally {
    await lg.stop();
    await t.stop();
  }
  await report(restartResult, deepResult, config);
}

async function report(r: RestartResult, d: DeepResult, config: Record<string, unknown>): Promise<void> {
  const caught = r.caughtUpMs === null ? `not all (${fmt(r.caughtUp)} of ${fmt(r.clients)})` : (r.caughtUpMs / 1000).toFixed(2);
  const restartHeader = ['clients', 'missed each', 'caught up s', 'all reconnected s', 'retried handshakes', 'failed clients', 'lost', 'duplicates', 'server CPU s', 'loadgen CPU s', 'machine busy', 'deliveries/s', 'target'];
  const met = r.caughtUpMs !== null && r.caughtUpMs <= 10_000 && r.lost === 0 && r.duplicates === 0 && r.caughtUp === r.clients;
  const restartRow = [
    fmt(r.clients),
    fmt(r.missed),
    caught,
    (r.reconnectMs / 1000).toFixed(2),
    r.reconnectRetries,
    r.reconnectFailed,
    r.lost,
    r.duplicates,
    r.serverCpuS.toFixed(2),
    r.loadgenCpuS.toFixed(2),
    `${Math.round(r.machineBusy * 100)} %`,
    r.caughtUpMs ? fmt((r.clients * r.missed) / (r.caughtUpMs / 1000)) : '—',
    `${met ? 'met' : 'MISSED'} (≤ 10 s, 0 lost, 0 twice)`,
  ];
  const deepHeader = ['one client missed', 'tries', 'caught up p50 ms', 'max ms', 'connect p50', 'subscribe ack p50', `history (${d.pages} pages) p50`, 'complete', 'target'];
  const deepRow = [
    fmt(d.missed),
    d.tries,
    d.total.p50,
    d.total.max,
    d.connect.p50,
    d.ack.p50,
    d.history.p50,
    d.complete ? 'yes, in order' : 'NO',
    `${d.complete && d.total.max <= 1000 ? 'met' : 'MISSED'} (≤ 1 s)`,
  ];
  process.stdout.write(`\nCatch-up after a restart (Herald, embedded SQLite)\n\n${table([restartHeader, restartRow])}\n\n${table([deepHeader, deepRow])}\n`);
  if (r.errors.length) process.stdout.write(`\nreconnect errors: ${r.errors.join('; ')}\n`);
  const markdown = [
    '## Catch-up (`npm run bench -- catchup`)',
    '',
    `Code ${config.code}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
    '',
    `Herald only (the baselines keep no history). ${fmt(r.clients)} clients subscribed to one channel receive ${LIVE} messages live; Herald is stopped (SIGTERM), ` +
      `started again on the same port and database, ${fmt(r.missed)} messages are published, then every client reconnects at once ` +
      `(≤ ${RECONNECT_CONCURRENCY} handshakes in flight per load-generator process, ${WORKERS} processes) with \`subscribe { channel, since: lastSeq }\`; a refused or reset handshake is retried after a jittered backoff ` +
      '(1 s doubling, ±50 %, ≤ 5 s), as socket.io-client does. ' +
      '"caught up" runs from the reconnect until the last client has its last missed message; lost and duplicates are counted per client from the seqs.',
    '',
    markdownTable(restartHeader, [restartRow]),
    '',
    `One client that missed ${fmt(d.missed)} messages on one channel: connect, \`subscribe\` with \`since: 0\` (the ack carries ${PAGE}), then ` +
      `\`GET /v1/channels/{ch}/history?since=&limit=${PAGE}\` until the head; ${d.tries} tries, ms.`,
    '',
    markdownTable(deepHeader, [deepRow]),
  ].join('\n');
  await writeResults(
    'catchup',
    { config, restart: r, oneClient: d },
    {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: 'Catch-up times (s) against the SPEC bounds',
      width: 420,
      height: 90,
      data: {
        values: [
          { case: `${fmt(r.clients)} clients, ${fmt(r.missed)} missed each`, kind: 'measured', s: r.caughtUpMs === null ? 0 : r.caughtUpMs / 1000 },
          { case: `${fmt(r.clients)} clients, ${fmt(r.missed)} missed each`, kind: 'SPEC bound', s: 10 },
          { case: `1 client, ${fmt(d.missed)} missed (max of ${d.tries})`, kind: 'measured', s: d.total.max / 1000 },
          { case: `1 client, ${fmt(d.missed)} missed (max of ${d.tries})`, kind: 'SPEC bound', s: 1 },
        ],
      },
      mark: 'bar',
      encoding: {
        y: { field: 'case', type: 'nominal', title: null, axis: { labelLimit: 320 } },
        yOffset: { field: 'kind' },
        x: { field: 's', type: 'quantitative', title: 'seconds' },
        color: { field: 'kind', type: 'nominal' },
      },
    },
    markdown,
  );
}
