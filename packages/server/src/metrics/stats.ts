/** `GET /v1/stats`: connections and subscriptions now, message rates over the last minute. */
import type { Metrics } from './metrics.js';

export interface StatsSampler {
  snapshot(): Promise<{
    connections: number;
    subscriptions: number;
    nodes: number;
    rates: { publishedPerSecond: number; deliveredPerSecond: number; windowSeconds: number };
  }>;
  stop(): void;
}

const SAMPLE_MS = 5000;
const WINDOW = 12;

const value = async (c: Metrics['published']) => (await c.get()).values[0]?.value ?? 0;

export function createStatsSampler(metrics: Metrics, counts: { connections(): number; subscriptions(): number }): StatsSampler {
  const samples: { t: number; published: number; delivered: number }[] = [];
  const sample = async () => {
    samples.push({ t: Date.now(), published: await value(metrics.published), delivered: await value(metrics.delivered) });
    if (samples.length > WINDOW + 1) samples.shift();
  };
  void sample();
  const timer = setInterval(() => void sample(), SAMPLE_MS);
  timer.unref();
  return {
    async snapshot() {
      const now = { t: Date.now(), published: await value(metrics.published), delivered: await value(metrics.delivered) };
      const first = samples[0] ?? now;
      const seconds = Math.max((now.t - first.t) / 1000, 0.001);
      return {
        connections: counts.connections(),
        subscriptions: counts.subscriptions(),
        nodes: 1,
        rates: {
          publishedPerSecond: Math.round(((now.published - first.published) / seconds) * 10) / 10,
          deliveredPerSecond: Math.round(((now.delivered - first.delivered) / seconds) * 10) / 10,
          windowSeconds: Math.round(seconds),
        },
      };
    },
    stop: () => clearInterval(timer),
  };
}
