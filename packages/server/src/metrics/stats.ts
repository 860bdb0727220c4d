/**
 * `GET /v1/stats`: connections and subscriptions now, message rates over the last minute, for the
 * whole cluster (every node's heartbeat carries its counts and totals; one node: its own).
 */
import type { NodeInfo } from '../bus/index.js';

export interface StatsSnapshot {
  connections: number;
  subscriptions: number;
  nodes: number;
  rates: { publishedPerSecond: number; deliveredPerSecond: number; windowSeconds: number };
}

export interface StatsSampler {
  snapshot(): Promise<StatsSnapshot>;
  stop(): void;
}

const SAMPLE_MS = 5000;
const WINDOW = 12;

interface Sample {
  t: number;
  /** Node id → its totals then. */
  totals: Map<string, { published: number; delivered: number }>;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

export function createStatsSampler(nodes: () => NodeInfo[]): StatsSampler {
  const samples: Sample[] = [];
  const take = (): Sample => ({ t: Date.now(), totals: new Map(nodes().map((n) => [n.id, { published: n.published, delivered: n.delivered }])) });
  const sample = () => {
    samples.push(take());
    if (samples.length > WINDOW + 1) samples.shift();
  };
  sample();
  const timer = setInterval(sample, SAMPLE_MS);
  timer.unref();
  return {
    async snapshot() {
      const all = nodes();
      const now = take();
      const first = samples[0] ?? now;
      const seconds = Math.max((now.t - first.t) / 1000, 0.001);
      // Per node, so a node that joined or left does not count its whole history as a rate.
      let published = 0;
      let delivered = 0;
      for (const [id, n] of now.totals) {
        const before = first.totals.get(id) ?? { published: n.published, delivered: n.delivered };
        published += Math.max(0, n.published - before.published);
        delivered += Math.max(0, n.delivered - before.delivered);
      }
      return {
        connections: all.reduce((sum, n) => sum + n.connections, 0),
        subscriptions: all.reduce((sum, n) => sum + n.subscriptions, 0),
        nodes: all.length,
        rates: { publishedPerSecond: round1(published / seconds), deliveredPerSecond: round1(delivered / seconds), windowSeconds: Math.round(seconds) },
      };
    },
    stop: () => clearInterval(timer),
  };
}
