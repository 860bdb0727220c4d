/**
 * Publish → received latency against one server, shared by the latency and cluster scenarios:
 * subscribers of one channel are brought to each size in turn, then messages are published one at
 * a time (the next once every subscriber has the one before, after a short pause). Per delivery,
 * and per message "to the last one" (its slowest subscriber).
 */
import { fmt, sleep } from './config.js';
import { latencyHistogram, summarize, type Percentiles } from './histogram.js';
import type { LoadGen } from './loadgen.js';
import { benchData, nowNs } from './payload.js';
import { progress } from './progress.js';
import { connectClients } from './scenario.js';
import type { Target } from './targets.js';

export interface LatencyResult {
  subscribers: number;
  samples: number;
  /** Every delivery. */
  perDelivery: Percentiles;
  /** Per message, the slowest subscriber. */
  toLast: Percentiles;
  /** The publish request's own round trip (Herald: stored in the database). */
  publishAck: Percentiles;
  timeouts: number;
  lost: number;
}

export interface LatencyPlan {
  sizes: number[];
  /** Messages measured at `sizes[i]`. */
  samples: (i: number) => number;
  /** Pause between one message's last delivery and the next publish (ms). */
  gapMs: number;
  /** Messages sent and not measured at each size. */
  warmup: number;
  timeoutMs: number;
}

/** Message indexes are unique within the run (the workers key deliveries by them). */
let nextIndex = 0;

/** Subscribers of `t.channel('latency')` at each size of `plan`, the latency at each. */
export async function measureLatency(t: Target, lg: LoadGen, plan: LatencyPlan): Promise<LatencyResult[]> {
  const channel = t.channel('latency');
  const results: LatencyResult[] = [];
  let have = 0;
  for (const [k, size] of plan.sizes.entries()) {
    await connectClients(t, lg, channel, have, size);
    have = Math.max(have, size);
    const one = async (index: number) => {
      const delivered = lg.expect(index, plan.timeoutMs);
      const t0 = nowNs();
      await t.publish(channel, [benchData(index)]);
      const ack = nowNs() - t0;
      return { ack, last: await delivered };
    };
    for (let i = 0; i < plan.warmup; i++) await one(nextIndex++);
    await lg.reset();
    const samples = plan.samples(k);
    const toLast = latencyHistogram();
    const acks = latencyHistogram();
    let timeouts = 0;
    const bar = progress(`${t.label}, ${fmt(size)} subscribers`, samples);
    for (let i = 0; i < samples; i++) {
      const { ack, last } = await one(nextIndex++);
      acks.recordValue(Math.max(1, Math.round(ack / 1000)));
      if (last === null) timeouts++;
      else toLast.recordValue(Math.max(1, Math.round(last / 1000)));
      bar.update(i + 1);
      await sleep(plan.gapMs);
    }
    const c = await lg.collect();
    const r: LatencyResult = {
      subscribers: size,
      samples,
      perDelivery: summarize(c.histogram),
      toLast: summarize(toLast),
      publishAck: summarize(acks),
      timeouts,
      lost: samples * size - c.deliveries,
    };
    bar.done(`p50 ${r.toLast.p50} ms, p99 ${r.toLast.p99} ms to the last one`);
    results.push(r);
  }
  return results;
}
