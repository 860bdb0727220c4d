/**
 * `npm run bench -- <scenario>`: run one benchmark scenario (or `all`).
 */
const scenarios: Record<string, () => Promise<void>> = {
  inbox: async () => (await import('./inbox.js')).run(),
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
