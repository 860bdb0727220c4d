/** Prometheus metrics of one server instance (its own registry, so several can run in a process). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** A label-less counter that also keeps its total at hand (heartbeats read it synchronously). */
export class TalliedCounter extends Counter {
  total = 0;
  override inc(value?: number): void;
  override inc(labels: never, value?: number): void;
  override inc(a?: unknown, b?: number): void {
    const value = typeof a === 'number' ? a : (b ?? 1);
    this.total += value;
    super.inc(value);
  }
}

export interface Metrics {
  readonly registry: Registry;
  readonly connections: Gauge;
  readonly subscriptions: Gauge;
  readonly published: TalliedCounter;
  readonly delivered: TalliedCounter;
  readonly publishDuration: Histogram;
  /** Bus publishes that did not reach Redis (the other nodes catch up from the store). */
  readonly busPublishFailures: Counter;
  /** Times this node re-read the store because the bus may have lost messages. */
  readonly busResyncs: Counter;
  /** Messages the live stream skipped and a subscription read from the store. */
  readonly gapFilled: Counter;
  /** Nodes alive in the cluster, this one included. */
  readonly clusterNodes: Gauge;
  /** Sockets whose transport was closed because too much waited for them (`HERALD_SOCKET_BUFFER_LIMIT`). */
  readonly slowConsumerDisconnects: Counter;
  /**
   * Requests and events refused by a limit of `HERALD_*` (docs/protocol.md §6), by `limit`:
   * `subscriptions_per_socket`, `connections_per_user`, `socket_events`, `socket_events_disconnect`,
   * `http_api_key`, `http_token`.
   */
  readonly limitRefusals: Counter<'limit'>;
  /** 1 for each patch of a library's internals that took effect, 0 for one that did not (`gateway/patches.ts`). */
  readonly libraryPatches: Gauge<'patch'>;
}

/** `clusterSize` is read whenever /metrics is scraped. */
export function createMetrics(clusterSize: () => number = () => 1): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'herald_' });
  const registers = [registry];
  return {
    registry,
    connections: new Gauge({ name: 'herald_connections', help: 'Open Socket.IO connections', registers }),
    subscriptions: new Gauge({ name: 'herald_subscriptions', help: 'Channel subscriptions of open connections', registers }),
    published: new TalliedCounter({ name: 'herald_messages_published_total', help: 'Messages stored', registers }),
    delivered: new TalliedCounter({ name: 'herald_messages_delivered_total', help: 'Messages sent to clients (socket and sync)', registers }),
    publishDuration: new Histogram({
      name: 'herald_publish_duration_seconds',
      help: 'Publish request: validated → stored → handed to the bus',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    busPublishFailures: new Counter({ name: 'herald_bus_publish_failures_total', help: 'Bus publishes that did not reach Redis', registers }),
    busResyncs: new Counter({ name: 'herald_bus_resyncs_total', help: 'Store re-reads because the bus may have lost messages', registers }),
    gapFilled: new Counter({ name: 'herald_gap_filled_messages_total', help: 'Messages the live stream skipped, read from the store', registers }),
    slowConsumerDisconnects: new Counter({
      name: 'herald_slow_consumer_disconnects_total',
      help: 'Sockets disconnected because more than HERALD_SOCKET_BUFFER_LIMIT bytes waited for them',
      registers,
    }),
    limitRefusals: new Counter({
      name: 'herald_limit_refusals_total',
      help: 'Requests and socket events refused by a configured limit',
      labelNames: ['limit'],
      registers,
    }),
    libraryPatches: new Gauge({
      name: 'herald_library_patch_active',
      help: 'Patches of library internals: 1 took effect, 0 did not (the memory saving or fast path is lost)',
      labelNames: ['patch'],
      registers,
    }),
    clusterNodes: new Gauge({
      name: 'herald_cluster_nodes',
      help: 'Nodes alive in the cluster, this one included',
      registers,
      collect() {
        this.set(clusterSize());
      },
    }),
  };
}
