/**
 * Preloaded (`node --expose-gc --import bench/lib/heap-probe.mjs …`) into every server under test,
 * so their memory is read the same way: on SIGUSR2 the process collects garbage and writes
 * `process.memoryUsage()` to `$BENCH_PROBE_FILE`. It also stops the server when the benchmark
 * process that started it is gone. Plain JavaScript: Herald runs from `dist/`
 * without a TypeScript loader.
 */
import fs from 'node:fs';

// A server under test ends with the benchmark that started it, even when that one was killed.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 1000).unref();

const file = process.env.BENCH_PROBE_FILE;
if (file) {
  process.on('SIGUSR2', () => {
    if (typeof globalThis.gc === 'function') {
      globalThis.gc();
      globalThis.gc();
    }
    const tmp = `${file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ ...process.memoryUsage(), gc: typeof globalThis.gc === 'function' }));
    fs.renameSync(tmp, file);
  });
}
