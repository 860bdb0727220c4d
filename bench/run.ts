/**
 * `npm run bench -- <scenario>`: run one benchmark scenario, or `all` (`npm run bench:all`).
 * Sizes come from `BENCH_*` variables (each scenario prints its configuration first).
 */
const scenarios: Record<string, () => Promise<void>> = {
  fanout: async () => (await import('./fanout.js')).run(),
  latency: async () => (await import('./latency.js')).run(),
  throughput: async () => (await import('./throughput.js')).run(),
  connections: async () => (await import('./connections.js')).run(),
  catchup: async () => (await import('./catchup.js')).run(),
  inbox: async () => (await import('./inbox.js')).run(),
  cluster: async () => (await import('./cluster.js')).run(),
};

const name = process.argv[2];
if (!name || (name !== 'all' && !scenarios[name])) {
  process.stderr.write(`usage: npm run bench -- <${[...Object.keys(scenarios), 'all'].join(' | ')}>\n`);
  process.exit(2);
}
for (const [scenario, run] of Object.entries(scenarios)) {
  if (name === 'all' || name === scenario) {
    process.stderr.write(`\n== ${scenario} ==\n`);
    await run();
  }
}
