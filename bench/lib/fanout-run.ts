/**
 * Fan-out to the subscribers of one channel, shared by the fanout and cluster scenarios: messages
 * published over HTTP in bursts (one request of 50 messages; the next burst once the one before the
 * last is fully delivered) and one message per request, deliveries per second and server CPU per
 * delivery measured from the first publish to the last delivery.
 *
 * Sizes: `BENCH_SUBSCRIBERS`, `BENCH_FANOUT_BURST`, `_BURSTS`, `_SINGLES`, `_WINDOW`, `_SECONDS`.
 */
import { envInt, fmt } from './config.js';
import { summarize, type Percentiles } from './histogram.js';
import type { LoadGen } from './loadgen.js';
import { benchData } from './payload.js';
import { cpuMeter } from './procstat.js';
import { progress } from './progress.js';
import type { Target } from './targets.js';

export const FANOUT = {
  subscribers: envInt('BENCH_SUBSCRIBERS', 10_000),
  burst: envInt('BENCH_FANOUT_BURST', 50),
  bursts: envInt('BENCH_FANOUT_BURSTS', 8),
  singles: envInt('BENCH_FANOUT_SINGLES', 100),
  /** Single-message requests whose delivery may be pending at once. */
  window: envInt('BENCH_FANOUT_WINDOW', 8),
  /** A mode stops publishing after this long (what was published is still awaited and counted). */
  maxSeconds: envInt('BENCH_FANOUT_SECONDS', 15),
};
const DELIVERY_TIMEOUT_MS = 60_000;

export interface FanoutMode {
  key: 'burst' | 'single';
  label: string;
  perRequest: number;
  requests: number;
  window: number;
}

export const FANOUT_MODES: FanoutMode[] = [
  { key: 'burst', label: `bursts of ${FANOUT.burst}`, perRequest: FANOUT.burst, requests: FANOUT.bursts, window: 2 },
  { key: 'single', label: '1 message per request', perRequest: 1, requests: FANOUT.singles, window: FANOUT.window },
];

export const modeLabel = (key: FanoutMode['key']) => FANOUT_MODES.find((m) => m.key === key)!.label;

export interface FanoutResult {
  mode: FanoutMode['key'];
  messages: number;
  expected: number;
  deliveries: number;
  seconds: number;
  deliveriesPerSecond: number;
  serverCpuS: number;
  /** Server CPU (µs) per delivery. */
  cpuUsPerDelivery: number;
  /** Server CPU ÷ wall time: 1 = one core saturated. */
  serverCores: number;
  loadgenCpuS: number;
  machineBusy: number;
  /** WebSocket frames the clients received per delivery (Herald batches a burst into one frame). */
  framesPerDelivery: number;
  latency: Percentiles;
  lost: number;
  duplicates: number;
  gaps: number;
  timeouts: number;
}

let nextIndex = 0;

/**
 * Measure one mode against `subscribers` clients of `channel` already connected. `cpuPids`: the
 * processes whose CPU is the server's (default: its pid).
 */
export async function measureFanout(
  t: Target,
  lg: LoadGen,
  channel: string,
  mode: FanoutMode,
  o: { subscribers: number; cpuPids?: number[] },
): Promise<FanoutResult> {
  const publishUnit = (n: number) => {
    const data = Array.from({ length: n }, () => benchData(nextIndex++));
    const first = nextIndex - n;
    const delivered = Promise.all(data.map((_, j) => lg.expect(first + j, DELIVERY_TIMEOUT_MS)));
    return { data, delivered };
  };
  // Warm-up: the JIT and the sockets' buffers, not measured.
  for (let i = 0; i < 2; i++) {
    const u = publishUnit(mode.perRequest);
    await t.publish(channel, u.data);
    await u.delivered;
  }
  await lg.reset();
  const bar = progress(`${t.label}, ${mode.label}`, mode.requests);
  const meter = cpuMeter(o.cpuPids ?? t.server.pid);
  const deadline = Date.now() + FANOUT.maxSeconds * 1000;
  const inflight: Promise<(number | null)[]>[] = [];
  let timeouts = 0;
  let sent = 0;
  let completed = 0;
  const track = (p: Promise<(number | null)[]>) =>
    p.then((maxes) => {
      timeouts += maxes.filter((m) => m === null).length;
      bar.update(++completed);
      return maxes;
    });
  while (sent < mode.requests && Date.now() < deadline) {
    if (inflight.length >= mode.window) await inflight.shift();
    const u = publishUnit(mode.perRequest);
    inflight.push(track(u.delivered));
    await t.publish(channel, u.data);
    sent++;
  }
  await Promise.all(inflight);
  const cpu = meter.stop();
  const c = await lg.collect();
  const messages = sent * mode.perRequest;
  const expected = messages * o.subscribers;
  bar.done(`${fmt(c.deliveries / cpu.wallS)} deliveries/s`);
  return {
    mode: mode.key,
    messages,
    expected,
    deliveries: c.deliveries,
    seconds: cpu.wallS,
    deliveriesPerSecond: c.deliveries / cpu.wallS,
    serverCpuS: cpu.serverCpuS,
    cpuUsPerDelivery: (cpu.serverCpuS * 1e6) / c.deliveries,
    serverCores: cpu.serverCpuS / cpu.wallS,
    loadgenCpuS: c.loadgenCpuS,
    machineBusy: cpu.machineBusy,
    framesPerDelivery: c.frames / c.deliveries,
    latency: summarize(c.histogram),
    lost: Math.max(0, expected - c.deliveries),
    duplicates: c.duplicates,
    gaps: c.gaps,
    timeouts,
  };
}

