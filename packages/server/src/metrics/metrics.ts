/** Prometheus metrics of one server instance (its own registry, so several can run in a process). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly connections: Gauge;
  readonly subscriptions: Gauge;
  readonly published: Counter;
  readonly delivered: Counter;
  readonly publishDuration: Histogram;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'herald_' });
  return {
    registry,
    connections: new Gauge({ name: 'herald_connections', help: 'Open Socket.IO connections', registers: [registry] }),
    subscriptions: new Gauge({ name: 'herald_subscriptions', help: 'Channel subscriptions of open connections', registers: [registry] }),
    published: new Counter({ name: 'herald_messages_published_total', help: 'Messages stored', registers: [registry] }),
    delivered: new Counter({ name: 'herald_messages_delivered_total', help: 'Messages sent to clients (socket and sync)', registers: [registry] }),
    publishDuration: new Histogram({
      name: 'herald_publish_duration_seconds',
      help: 'Publish request: validated → stored → handed to the bus',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
  };
}
