/**
 * `npm run bench -- fanout`: one channel with 10,000 subscribers spread over the load-generator
 * workers; messages published over HTTP in bursts (one request of 50 messages; the next burst
 * once the one before the last is fully delivered) and one message per request. Reports
 * deliveries per second and server CPU per delivery for Herald and each baseline, with ratios.
 * Targets (SPEC §7): ≥ 4× stock Socket.IO's throughput, within 1.5× of the corked raw `ws` limit.
 */
import { envInt, fmt, printConfig, sleep, targetsFromEnv } from './lib/config.js';
import { FANOUT, FANOUT_MODES, measureFanout, type FanoutResult } from './lib/fanout-run.js';
import { LoadGen, workersFor } from './lib/loadgen.js';
import { table, writeResults } from './lib/report.js';
import { connectClients, eachTarget, markdownTable, outcomeRows, ratio, resultOf, type Outcome } from './lib/scenario.js';
import type { TargetName } from './lib/targets.js';

export type { FanoutResult } from './lib/fanout-run.js';

const { subscribers: SUBSCRIBERS, burst: BURST, bursts: BURSTS, singles: SINGLES, window: WINDOW, maxSeconds: MAX_SECONDS } = FANOUT;
const MODES = FANOUT_MODES;
const WORKERS = envInt('BENCH_WORKERS', workersFor(SUBSCRIBERS));

export async function run(): Promise<void> {
  const targets = targetsFromEnv();
  const config = printConfig('fanout', {
    subscribers: SUBSCRIBERS,
    workers: WORKERS,
    burst: `${BURSTS} requests × ${BURST} messages, ≤ 2 bursts undelivered`,
    single: `${SINGLES} requests × 1 message, ≤ ${WINDOW} undelivered`,
    maxSecondsPerMode: MAX_SECONDS,
    targets,
  });
  const lg = await LoadGen.start(WORKERS);
  try {
    const outcomes = await eachTarget(targets, lg, async (t) => {
      const channel = t.channel('fanout');
      await connectClients(t, lg, channel, 0, SUBSCRIBERS);
      // Let the connection storm's garbage settle before measuring.
      await sleep(1000);
      const results: FanoutResult[] = [];
      for (const mode of MODES) if (mode.requests > 0) results.push(await measureFanout(t, lg, channel, mode, { subscribers: SUBSCRIBERS }));
      return results;
    });
    await report(outcomes, config);
  } finally {
    await lg.stop();
  }
}

async function report(outcomes: Outcome<FanoutResult[]>[], config: Record<string, unknown>): Promise<void> {
  const find = (name: TargetName, mode: string) => resultOf(outcomes, name)?.find((r) => r.mode === mode);
  const header = ['server', 'mode', 'deliveries/s', 'server CPU µs/delivery', 'server cores', 'loadgen cores', 'machine busy', 'frames/delivery', 'p50 ms', 'p99 ms', 'lost', 'dup'];
  const rows = outcomeRows(outcomes, header.length, (result, o) =>
    result.map((r) => [
      o.label,
      MODES.find((m) => m.key === r.mode)!.label,
      fmt(r.deliveriesPerSecond),
      r.cpuUsPerDelivery.toFixed(3),
      r.serverCores.toFixed(2),
      (r.loadgenCpuS / r.seconds).toFixed(2),
      `${Math.round(r.machineBusy * 100)} %`,
      r.framesPerDelivery.toFixed(3),
      r.latency.p50,
      r.latency.p99,
      r.lost,
      r.duplicates,
    ]),
  );
  const ratioHeader = ['mode', 'throughput ÷ stock Socket.IO', 'throughput ÷ raw ws', 'CPU/delivery ÷ stock Socket.IO', 'CPU/delivery ÷ raw ws', 'targets'];
  const ratioRows = MODES.map((m) => {
    const h = find('herald', m.key);
    const s = find('socketio', m.key);
    const w = find('rawws', m.key);
    const vsStock = h && s ? h.deliveriesPerSecond / s.deliveriesPerSecond : undefined;
    const vsRaw = h && w ? h.deliveriesPerSecond / w.deliveriesPerSecond : undefined;
    const verdict = [
      vsStock === undefined ? '' : `≥ 4× stock: ${vsStock >= 4 ? 'met' : 'MISSED'}`,
      vsRaw === undefined ? '' : `within 1.5× of raw: ${vsRaw >= 1 / 1.5 ? 'met' : 'MISSED'}`,
    ]
      .filter(Boolean)
      .join('; ');
    return [
      m.label,
      ratio(h?.deliveriesPerSecond, s?.deliveriesPerSecond),
      ratio(h?.deliveriesPerSecond, w?.deliveriesPerSecond),
      ratio(h?.cpuUsPerDelivery, s?.cpuUsPerDelivery),
      ratio(h?.cpuUsPerDelivery, w?.cpuUsPerDelivery),
      verdict,
    ];
  });
  // A server that did not use its core while the machine was saturated measured the load generator.
  const notes = outcomes.flatMap((o) =>
    o.ok
      ? o.result
          .filter((r) => r.machineBusy >= 0.9 && r.serverCores < 0.9)
          .map(
            (r) =>
              `${o.label}, ${MODES.find((m) => m.key === r.mode)!.label}: the server used ${r.serverCores.toFixed(2)} of a core while the machine was ` +
              `${Math.round(r.machineBusy * 100)} % busy, so this rate is the load generator's limit on this machine, not the server's: compare CPU per delivery.`,
          )
      : [],
  );
  process.stdout.write(`\nFan-out to ${fmt(SUBSCRIBERS)} subscribers of one channel (server and load generator on one 2-core machine)\n\n`);
  process.stdout.write(`${table([header, ...rows])}\n\nHerald ÷ baselines\n\n${table([ratioHeader, ...ratioRows])}\n`);
  if (notes.length) process.stdout.write(`\n${notes.map((n) => `note: ${n}`).join('\n')}\n`);

  const markdown = [
    '## Fan-out (`npm run bench -- fanout`)',
    '',
    `Code ${config.code}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
    '',
    `One channel, ${fmt(SUBSCRIBERS)} WebSocket subscribers spread over ${WORKERS} load-generator processes (raw protocol clients, 127.0.0.x source addresses). ` +
      `Bursts: ${BURSTS} HTTP requests of ${BURST} messages each (a batch publish), the next sent once the one before the last is delivered to everyone; ` +
      `single: ${SINGLES} requests of one message, ≤ ${WINDOW} undelivered. Deliveries/s = messages received by all clients ÷ wall time from the first publish to the last delivery; ` +
      `server CPU = utime + stime from /proc over the same time. "server cores" = server CPU ÷ wall time (1.00 = one core saturated); ` +
      `"loadgen cores" the same for the load-generator processes; "machine busy" = all CPUs from /proc/stat (100 % = both cores saturated, so the figure is machine-bound). ` +
      `Latency is publish → receive under this load (bursts queue behind each other), not the latency scenario.`,
    '',
    markdownTable(header, rows),
    '',
    'Herald ÷ baselines (SPEC: ≥ 4× stock Socket.IO throughput, within 1.5× of raw ws):',
    '',
    markdownTable(ratioHeader, ratioRows),
    ...(notes.length ? ['', ...notes.map((n) => `- ${n}`)] : []),
  ].join('\n');

  const chartValues = outcomes.flatMap((o) =>
    o.ok ? o.result.map((r) => ({ server: o.label, mode: MODES.find((m) => m.key === r.mode)!.label, rate: Math.round(r.deliveriesPerSecond) })) : [],
  );
  await writeResults(
    'fanout',
    { config, outcomes, notes },
    {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: `Fan-out to ${fmt(SUBSCRIBERS)} subscribers: deliveries per second`,
      width: 420,
      height: 180,
      data: { values: chartValues },
      mark: 'bar',
      encoding: {
        y: { field: 'server', type: 'nominal', sort: null, title: null },
        yOffset: { field: 'mode' },
        x: { field: 'rate', type: 'quantitative', title: 'deliveries / s' },
        color: { field: 'mode', type: 'nominal', legend: { labelLimit: 300 } },
      },
    },
    markdown,
  );
}
