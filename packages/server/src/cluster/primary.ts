/**
 * The primary of `HERALD_WORKERS=<n>`: forks the workers, binds the port once they are all ready
 * (the router hands them the connections), restarts a worker that dies, and stops them all on
 * SIGTERM / SIGINT. It serves no request itself, so a worker's crash never takes it down.
 */
import cluster, { type Worker } from 'node:cluster';
import os from 'node:os';
import { explainStartupError, type HeraldConfig } from '../config/index.js';
import type { PrimaryLog } from './log.js';
import { isHeraldMessage, type SessionMessage, type TakenMessage } from './protocol.js';
import { createRouter } from './router.js';

/** Workers still running this long after SIGTERM are killed. */
const STOP_TIMEOUT_MS = 10_000;
/** A worker that ran this long after becoming ready is restarted without backoff. */
const STABLE_MS = 10_000;
const MAX_BACKOFF_MS = 5_000;

export interface PrimaryOptions {
  config: HeraldConfig;
  /** The workers' environment (dev defaults applied); each also gets its own `HERALD_NODE_ID`. */
  env: Record<string, string | undefined>;
  log: PrimaryLog;
  /** Called once, when every worker is ready and the port is bound (print the banner here). */
  onListening(url: string): Promise<void> | void;
}

/** One worker position (1…n); its worker is replaced when it dies. */
interface Slot {
  index: number;
  worker: Worker | undefined;
  /** How many workers this slot has had: a restarted worker gets a node id of its own. */
  generation: number;
  readyAt: number | undefined;
  /** Consecutive quick deaths, for the backoff. */
  failures: number;
  restart: NodeJS.Timeout | undefined;
}

/**
 * `<base>-w<index>`, and `<base>-w<index>.<generation>` for a restarted worker: the bus tells
 * nodes apart by id, and a node that died must not be mistaken for its replacement (its packets
 * are numbered anew, and "went silent" is how the others learn that it may have lost messages).
 * Kept within `HERALD_NODE_ID`'s 64 characters.
 */
export function workerNodeId(base: string, index: number, generation: number): string {
  const suffix = `-w${index}${generation > 0 ? `.${generation}` : ''}`;
  return `${base.slice(0, 64 - suffix.length)}${suffix}`;
}

/** The base of the workers' ids when `HERALD_NODE_ID` is not set: host and primary process. */
function defaultBase(): string {
  return `${os.hostname().replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 40)}-${process.pid}`;
}

/**
 * Run this process as the primary of `config.workers` workers; returns once the port is bound.
 * Exits the process when stopped: 0 when every worker stopped cleanly, else 1.
 */
export async function runPrimary({ config, env, log, onListening }: PrimaryOptions): Promise<void> {
  const router = createRouter({ log });
  const base = config.nodeId ?? defaultBase();
  const slots: Slot[] = Array.from({ length: config.workers }, (_, i) => ({
    index: i + 1,
    worker: undefined,
    generation: 0,
    readyAt: undefined,
    failures: 0,
    restart: undefined,
  }));
  let started = false;
  let stopping = false;
  let exitCode = 0;
  let allReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (allReady = resolve));

  const fork = (slot: Slot) => {
    slot.restart = undefined;
    const nodeId = workerNodeId(base, slot.index, slot.generation++);
    const worker = cluster.fork({ ...env, HERALD_NODE_ID: nodeId });
    slot.worker = worker;
    slot.readyAt = undefined;
    log.info({ worker: slot.index, workerPid: worker.process.pid, nodeId }, 'worker started');
    // An IPC error (a send to a worker that just died) must not become an uncaught 'error'.
    worker.on('error', (err) => log.warn({ err, worker: slot.index }, 'worker IPC error'));
    worker.on('message', (message: unknown) => {
      if (isHeraldMessage<TakenMessage>(message, 'taken')) router.taken(worker, message.id);
      else if (isHeraldMessage<SessionMessage>(message, 'session')) router.bindSession(worker, message.sid);
      else if (isHeraldMessage(message, 'ready') && !stopping) {
        slot.readyAt = Date.now();
        router.addWorker(worker);
        if (started) log.info({ worker: slot.index, workerPid: worker.process.pid, nodeId }, 'worker ready');
        else if (slots.every((s) => s.readyAt !== undefined)) allReady();
      }
    });
    // The IPC channel closes as the worker dies, a moment before `exit`: route nothing more to it.
    worker.on('disconnect', () => router.removeWorker(worker));
    worker.on('exit', (code, signal) => onExit(slot, worker, code, signal));
  };

  const onExit = (slot: Slot, worker: Worker, code: number | null, signal: string | null) => {
    router.removeWorker(worker);
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    const workerPid = worker.process.pid;
    if (stopping) {
      // A worker still starting has no handler yet: SIGTERM ends it, as asked.
      if (code !== 0 && signal !== 'SIGTERM') exitCode = 1;
      if (slots.every((s) => s.worker === undefined)) process.exit(exitCode);
      return;
    }
    if (!started) {
      // A worker that cannot start (store or Redis unreachable, bad configuration) fails the
      // start, like a single node does; it printed why on stderr.
      log.error({ worker: slot.index, workerPid, code, signal }, 'a worker failed to start');
      stop('start failed', 1);
      return;
    }
    const quick = slot.readyAt === undefined || Date.now() - slot.readyAt < STABLE_MS;
    slot.failures = quick ? slot.failures + 1 : 0;
    const delay = Math.min(100 * 2 ** slot.failures, MAX_BACKOFF_MS);
    log.warn({ worker: slot.index, workerPid, code, signal, restartInMs: delay }, 'worker exited; restarting it');
    slot.restart = setTimeout(() => fork(slot), delay);
  };

  const stop = (reason: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    log.info({ reason }, 'shutting down');
    void router.close();
    allReady();
    for (const slot of slots) {
      clearTimeout(slot.restart);
      // Only a living worker gets the signal; `onExit` exits when the last one is gone.
      slot.worker?.process.kill('SIGTERM');
    }
    if (slots.every((s) => s.worker === undefined)) process.exit(exitCode);
    setTimeout(() => {
      const left = slots.filter((s) => s.worker !== undefined);
      log.error({ workers: left.map((s) => s.index) }, `workers still running after ${STOP_TIMEOUT_MS / 1000} s; killing them`);
      for (const s of left) s.worker?.process.kill('SIGKILL');
      process.exit(1);
    }, STOP_TIMEOUT_MS);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  for (const slot of slots) fork(slot);
  await ready;
  if (stopping) return;
  let address;
  try {
    address = await router.listen(config.port, config.host);
  } catch (err) {
    // The primary binds the port: a port in use or a bad host is found here, not in a worker.
    const explained = explainStartupError(err, config);
    process.stderr.write(`herald: ${explained ?? `cannot listen on ${config.host}:${config.port}: ${(err as Error).message}`}\n`);
    log.error({ err }, `cannot listen on ${config.host}:${config.port}`);
    stop('listen failed', 1);
    return;
  }
  started = true;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  await onListening(`http://${host.includes(':') ? `[${host}]` : host}:${address.port}`);
}
