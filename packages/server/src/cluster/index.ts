/**
 * `HERALD_WORKERS=<n>|auto`: several worker processes on one port. The primary routes each
 * connection (`router.ts`), keeping every request of an Engine.IO session on the worker that
 * created it; workers are whole Herald nodes that share the database and the Redis bus.
 */
export { runPrimary, workerNodeId, type PrimaryOptions } from './primary.js';
export { runWorker } from './worker.js';
export { createPrimaryLog, type PrimaryLog } from './log.js';
