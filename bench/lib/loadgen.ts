/**
 * The load generator: several worker processes (`loadgen-worker.ts`), worker k bound to source
 * address 127.0.0.(k+2) so each has its own ephemeral port range, each holding fewer than 19,000
 * sockets. The parent splits connections over them, waits for per-message completion, and merges
 * their histograms.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type * as hdr from 'hdr-histogram-js';
import { mergeHistograms } from './histogram.js';
import type { Collected, ConnectResult, HttpResult, WorkerCommand, WorkerEvent, WorkerReply } from './loadgen-messages.js';
import type { ClientSpec } from './protocols.js';
import { REPO_ROOT } from './server.js';

const WORKER = fileURLToPath(new URL('./loadgen-worker.ts', import.meta.url));
/**
 * Source addresses per worker (worker k: 127.0.0.(k+2), 127.0.1.(k+2), …, used in turn). A worker's
 * connect storm cost 36 % of its CPU in bind()'s search for a free port with one address and
 * 4,000 sockets; spreading over addresses keeps each address's port table short.
 */
const ADDRESSES_PER_WORKER = Number(process.env.BENCH_ADDRESSES_PER_WORKER ?? 8);

/** Sockets one worker may hold: the process limit is 20,000 open files. */
export const MAX_PER_WORKER = 19_000;

interface Worker {
  index: number;
  address: string;
  proc: ChildProcess;
  pending: Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>;
  /** Connections this worker holds. */
  held: number;
  progress: { connected: number; failed: number };
}

/** The workers' {@link Collected} summed: one histogram, and their CPU as `loadgenCpuS`. */
export type MergedCollect = Omit<Collected, 'histogram' | 'cpuS'> & { histogram: hdr.Histogram; loadgenCpuS: number };

export interface CatchUp {
  ms: number;
  duplicates: number;
  gaps: number;
  caughtUp: number;
}

export class LoadGen {
  private nextId = 1;
  /** Per message index: how many holding workers still have to report, and the slowest so far. */
  private done = new Map<number, { remaining: number; maxNs: number; resolve?: (maxNs: number) => void }>();
  private catchUps: CatchUp[] = [];
  private onCatchUp: (() => void) | null = null;

  private constructor(private readonly workers: Worker[]) {
    for (const w of workers) {
      w.proc.on('message', (m: WorkerReply | WorkerEvent) => this.onMessage(w, m));
    }
  }

  /** Start `n` workers. */
  static async start(n: number): Promise<LoadGen> {
    const workers: Worker[] = [];
    for (let k = 0; k < n; k++) {
      const address = `127.0.0.${k + 2}`;
      const addresses = Array.from({ length: ADDRESSES_PER_WORKER }, (_, j) => `127.0.${j}.${k + 2}`);
      const proc = fork(WORKER, [], {
        cwd: REPO_ROOT,
        // BENCH_LOADGEN_PROFILE_DIR: each worker writes a V8 CPU profile there when it ends.
        execArgv: ['--import', 'tsx', ...(process.env.BENCH_LOADGEN_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_LOADGEN_PROFILE_DIR}`] : [])],
        env: { ...process.env, BENCH_LOCAL_ADDRESSES: addresses.join(',') },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      workers.push({ index: k, address, proc, pending: new Map(), held: 0, progress: { connected: 0, failed: 0 } });
    }
    const lg = new LoadGen(workers);
    // A round trip proves each worker is up.
    await Promise.all(workers.map((w) => lg.call(w, { cmd: 'reset' })));
    return lg;
  }

  get size(): number {
    return this.workers.length;
  }

  private onMessage(w: Worker, m: WorkerReply | WorkerEvent): void {
    if ('id' in m) {
      const p = w.pending.get(m.id);
      if (!p) return;
      w.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(`loadgen worker ${w.index}: ${m.error}`));
      return;
    }
    switch (m.event) {
      case 'done': {
        let d = this.done.get(m.index);
        if (!d) this.done.set(m.index, (d = { remaining: this.holding(), maxNs: 0 }));
        d.remaining--;
        if (m.maxNs > d.maxNs) d.maxNs = m.maxNs;
        if (d.remaining <= 0 && d.resolve) {
          this.done.delete(m.index);
          d.resolve(d.maxNs);
        }
        break;
      }
      case 'progress':
        w.progress = { connected: m.connected, failed: m.failed };
        break;
      case 'caughtUp':
        this.catchUps.push({ ms: m.ms, duplicates: m.duplicates, gaps: m.gaps, caughtUp: m.caughtUp });
        this.onCatchUp?.();
        break;
    }
  }

  private holding(): number {
    return this.workers.filter((w) => w.held > 0).length;
  }

  private call<T = unknown>(w: Worker, command: WorkerCommand): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      w.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      w.proc.send({ id, ...command });
    });
  }

  private all<T>(command: WorkerCommand | ((w: Worker) => WorkerCommand | null)): Promise<T[]> {
    return Promise.all(
      this.workers.flatMap((w) => {
        const c = typeof command === 'function' ? command(w) : command;
        return c ? [this.call<T>(w, c)] : [];
      }),
    );
  }

  /** Sum of the workers' latest progress reports. */
  progress(): { connected: number; failed: number } {
    return this.workers.reduce((a, w) => ({ connected: a.connected + w.progress.connected, failed: a.failed + w.progress.failed }), {
      connected: 0,
      failed: 0,
    });
  }

  /**
   * Open `total` connections spread evenly over the workers, each subscribed to `spec.channel`.
   * `tokens[i]` goes to connection i (Herald).
   */
  async connect(spec: ClientSpec, total: number, options: { tokens?: string[]; concurrency?: number; onProgress?: (connected: number) => void } = {}): Promise<ConnectResult> {
    const n = this.workers.length;
    const share = (k: number) => Math.floor(total / n) + (k < total % n ? 1 : 0);
    if (share(0) > MAX_PER_WORKER) throw new Error(`${total} connections need more than ${n} workers (≤ ${MAX_PER_WORKER} each)`);
    let offset = 0;
    const plans = this.workers.map((w) => {
      const count = share(w.index);
      const tokens = options.tokens?.slice(offset, offset + count);
      offset += count;
      w.progress = { connected: 0, failed: 0 };
      return { w, count, tokens };
    });
    const ticker = options.onProgress ? setInterval(() => options.onProgress!(this.progress().connected), 250) : undefined;
    try {
      const results = await Promise.all(
        plans.map(({ w, count, tokens }) =>
          count === 0
            ? Promise.resolve({ connected: 0, failed: 0, retries: 0, errors: [], ms: 0 })
            : this.call<ConnectResult>(w, { cmd: 'connect', spec, count, tokens, concurrency: options.concurrency ?? 100 }).then((r) => {
                w.held += r.connected;
                return r;
              }),
        ),
      );
      return {
        connected: results.reduce((a, r) => a + r.connected, 0),
        failed: results.reduce((a, r) => a + r.failed, 0),
        retries: results.reduce((a, r) => a + r.retries, 0),
        errors: results.flatMap((r) => r.errors).slice(0, 5),
        ms: Math.max(...results.map((r) => r.ms)),
      };
    } finally {
      clearInterval(ticker);
    }
  }

  /**
   * Resolves with the slowest delivery (ns) once every connection has received message `index`,
   * or with `null` after `timeoutMs`. Call it before publishing the message.
   */
  expect(index: number, timeoutMs: number): Promise<number | null> {
    let d = this.done.get(index);
    if (!d) this.done.set(index, (d = { remaining: this.holding(), maxNs: 0 }));
    if (d.remaining <= 0) {
      this.done.delete(index);
      return Promise.resolve(d.maxNs);
    }
    const entry = d;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.done.delete(index);
        resolve(null);
      }, timeoutMs);
      entry.resolve = (maxNs) => {
        clearTimeout(timer);
        resolve(maxNs);
      };
    });
  }

  async reset(): Promise<void> {
    this.done.clear();
    await this.all({ cmd: 'reset' });
  }

  async collect(): Promise<MergedCollect> {
    const parts = await this.all<Collected>({ cmd: 'collect' });
    return {
      histogram: mergeHistograms(parts.map((p) => p.histogram)),
      deliveries: parts.reduce((a, p) => a + p.deliveries, 0),
      frames: parts.reduce((a, p) => a + p.frames, 0),
      duplicates: parts.reduce((a, p) => a + p.duplicates, 0),
      gaps: parts.reduce((a, p) => a + p.gaps, 0),
      open: parts.reduce((a, p) => a + p.open, 0),
      caughtUp: parts.reduce((a, p) => a + p.caughtUp, 0),
      behind: parts.reduce((a, p) => a + p.behind, 0),
      loadgenCpuS: parts.reduce((a, p) => a + p.cpuS, 0),
    };
  }

  /**
   * Reconnect every dropped connection with `since` = its cursor (to `urls`, spread evenly, when
   * given: the servers left when one is gone). Resolves when each connection has every seq up to
   * `target` (or after `timeoutMs`), with the slowest worker's time from `startNs` (default: now).
   */
  async reconnect(
    target: number,
    options: { concurrency?: number; timeoutMs: number; urls?: string[]; startNs?: number; onProgress?: (connected: number) => void },
  ): Promise<{
    connect: ConnectResult;
    catchUp: CatchUp | null;
  }> {
    const caught = this.awaitCatchUp(options.timeoutMs);
    for (const w of this.workers) w.progress = { connected: 0, failed: 0 };
    const ticker = options.onProgress ? setInterval(() => options.onProgress!(this.progress().connected), 250) : undefined;
    const results = await this.all<ConnectResult>((w) =>
      w.held > 0 ? { cmd: 'reconnect', target, concurrency: options.concurrency ?? 500, urls: options.urls, startNs: options.startNs } : null,
    );
    clearInterval(ticker);
    const connect = {
      connected: results.reduce((a, r) => a + r.connected, 0),
      failed: results.reduce((a, r) => a + r.failed, 0),
      retries: results.reduce((a, r) => a + r.retries, 0),
      errors: results.flatMap((r) => r.errors).slice(0, 5),
      ms: Math.max(...results.map((r) => r.ms)),
    };
    return { connect, catchUp: await caught };
  }

  /**
   * Resolves once every connection has every seq up to `target` (or with `null` after
   * `timeoutMs`), with the slowest worker's time from `startNs` (a `nowNs()` of this machine).
   */
  async watch(target: number, options: { startNs: number; timeoutMs: number }): Promise<CatchUp | null> {
    const caught = this.awaitCatchUp(options.timeoutMs);
    await this.all((w) => (w.held > 0 ? { cmd: 'watch', target, startNs: options.startNs } : null));
    return caught;
  }

  /** Listen for every holding worker's `caughtUp` (before the command that starts it is sent). */
  private awaitCatchUp(timeoutMs: number): Promise<CatchUp | null> {
    this.catchUps = [];
    const expected = this.holding();
    const caught = new Promise<void>((resolve) => {
      this.onCatchUp = () => this.catchUps.length >= expected && resolve();
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs)));
    return Promise.race([caught.then(() => false), timedOut]).then((late) => {
      clearTimeout(timer);
      this.onCatchUp = null;
      if (late) return null;
      return {
        ms: Math.max(...this.catchUps.map((c) => c.ms)),
        duplicates: this.catchUps.reduce((a, c) => a + c.duplicates, 0),
        gaps: this.catchUps.reduce((a, c) => a + c.gaps, 0),
        caughtUp: this.catchUps.reduce((a, c) => a + c.caughtUp, 0),
      };
    });
  }

  /** Close every connection (the workers stay up for the next server). */
  async close(): Promise<void> {
    await this.all({ cmd: 'close' });
    for (const w of this.workers) w.held = 0;
    this.done.clear();
  }

  /** HTTP load from every worker at once; `concurrency` is split over them. */
  async http(o: Omit<Extract<WorkerCommand, { cmd: 'http' }>, 'cmd'>): Promise<{
    requests: number;
    errors: number;
    statuses: Record<string, number>;
    histogram: hdr.Histogram;
    seconds: number;
    loadgenCpuS: number;
    firstError?: string;
  }> {
    const n = this.workers.length;
    const parts = await this.all<HttpResult>((w) => {
      const concurrency = Math.floor(o.concurrency / n) + (w.index < o.concurrency % n ? 1 : 0);
      const count = Math.floor(o.count / n) + (w.index < o.count % n ? 1 : 0);
      return concurrency > 0 && count > 0 ? { cmd: 'http', ...o, concurrency, count } : null;
    });
    const statuses: Record<string, number> = {};
    for (const p of parts) for (const [k, v] of Object.entries(p.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
    return {
      requests: parts.reduce((a, p) => a + p.requests, 0),
      errors: parts.reduce((a, p) => a + p.errors, 0),
      statuses,
      histogram: mergeHistograms(parts.map((p) => p.histogram)),
      seconds: Math.max(...parts.map((p) => p.seconds)),
      loadgenCpuS: parts.reduce((a, p) => a + p.cpuS, 0),
      firstError: parts.find((p) => p.firstError)?.firstError,
    };
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.proc.exitCode !== null) return resolve();
            w.proc.once('exit', () => resolve());
            w.proc.disconnect();
            setTimeout(() => w.proc.kill('SIGKILL'), 5000).unref();
          }),
      ),
    );
  }
}

/**
 * Sockets per worker by default. Each worker binds its own address, and Linux's search for a free
 * ephemeral port on `bind()` slows down sharply past ~7,000 ports in use on one address
 * (measured: the last quarter of 19,000 connections took 5× longer with 2 workers than with 4).
 */
export const SOCKETS_PER_WORKER = 5_000;

/** Workers for `connections` sockets: at least `min`, and enough that none holds more than `perWorker`. */
export function workersFor(connections: number, perWorker = SOCKETS_PER_WORKER, min = 2): number {
  return Math.max(min, Math.ceil(connections / perWorker));
}
