/**
 * The primary's log: the same JSON lines as the workers' pino loggers (`level`, `time`, `pid`,
 * `hostname`, `msg`), so one log shipper reads both. The primary runs no fastify, and a handful of
 * lifecycle lines do not justify a second logging dependency.
 */
import os from 'node:os';
import type { HeraldConfig } from '../config/index.js';

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;

/** A minimal pino-compatible logger. */
export interface PrimaryLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * Log lines at or above `level` to `out` (stdout by default).
 * @example createPrimaryLog('info').info({ workers: 2 }, 'Herald is listening')
 */
export function createPrimaryLog(level: HeraldConfig['logLevel'], out: NodeJS.WritableStream = process.stdout): PrimaryLog {
  const threshold = LEVELS[level];
  const base = { pid: process.pid, hostname: os.hostname(), role: 'primary' };
  const write = (n: number) => (obj: object, msg: string) => {
    if (n < threshold) return;
    const fields = obj instanceof Error ? { err: { type: obj.name, message: obj.message, stack: obj.stack } } : errFields(obj);
    out.write(`${JSON.stringify({ level: n, time: Date.now(), ...base, ...fields, msg })}\n`);
  };
  return { info: write(LEVELS.info), warn: write(LEVELS.warn), error: write(LEVELS.error) };
}

/** `{ err }` as pino's serializer writes it (an Error's own fields are not enumerable). */
function errFields(obj: object): object {
  const err = (obj as { err?: unknown }).err;
  if (!(err instanceof Error)) return obj;
  return { ...obj, err: { type: err.name, message: err.message, stack: err.stack } };
}
