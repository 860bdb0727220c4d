/** Messages between the load-generator parent (`loadgen.ts`) and its workers (`loadgen-worker.ts`). */
import type { ClientSpec } from './protocols.js';

export type WorkerCommand =
  | {
      cmd: 'connect';
      spec: ClientSpec;
      count: number;
      /** Herald client tokens, one per connection (reused round-robin if fewer). */
      tokens?: string[];
      /** Handshakes in flight at once. */
      concurrency: number;
    }
  /** Forget latencies and counters (start of a measured phase). */
  | { cmd: 'reset' }
  | { cmd: 'collect' }
  /** Close every connection. */
  | { cmd: 'close' }
  /**
   * Reconnect every connection that the server dropped and subscribe with `since` = the last seq
   * it received; report `caughtUp` once each has received up to `target`. `urls`: servers to
   * reconnect to instead of the one each was on (spread evenly); `startNs`: `nowNs()` the catch-up
   * time counts from (default: now).
   */
  | { cmd: 'reconnect'; concurrency: number; target: number; urls?: string[]; startNs?: number }
  /** Report `caughtUp` once every connection has every seq up to `target`, timed from `startNs`. */
  | { cmd: 'watch'; target: number; startNs: number }
  /** Plain HTTP load: `count` requests (or until `seconds` pass), `concurrency` keep-alive sockets. */
  | {
      cmd: 'http';
      url: string;
      method: string;
      path: string;
      auth?: string;
      /** JSON request bodies, used in turn (none: no body). */
      bodies?: string[];
      concurrency: number;
      count: number;
      seconds: number;
    };

export interface Collected {
  /** Encoded microsecond histogram of publish → receive, one value per delivery. */
  histogram: string;
  deliveries: number;
  frames: number;
  /** Deliveries whose seq was at or below the connection's last seq. */
  duplicates: number;
  /** Seqs skipped over (seq > last + 1). */
  gaps: number;
  open: number;
  /** During a catch-up: connections that have every seq up to the target, and seqs still missing. */
  caughtUp: number;
  behind: number;
  /** Worker CPU seconds since the last reset. */
  cpuS: number;
}

export type WorkerReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string };

export type WorkerEvent =
  /** Every connection of this worker has received message `index`; `maxNs` is the slowest. */
  | { event: 'done'; index: number; maxNs: number }
  | { event: 'progress'; connected: number; failed: number }
  | { event: 'caughtUp'; ms: number; duplicates: number; gaps: number; caughtUp: number };

export interface ConnectResult {
  connected: number;
  /** Connections that failed every attempt. */
  failed: number;
  /** Attempts that failed and were retried after a backoff. */
  retries: number;
  errors: string[];
  ms: number;
}

export interface HttpResult {
  requests: number;
  errors: number;
  statuses: Record<string, number>;
  histogram: string;
  seconds: number;
  cpuS: number;
  firstError?: string;
}
