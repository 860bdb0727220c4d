// `npm run typecheck`: the types of the sources and the tests of every package, of the demo and
// of the benchmarks, with nothing written. Each project below extends `tsconfig.check.json` (no
// emit, no build info, sibling packages read from source), so it works on a checkout that was
// never built and leaves dist/ alone. Every project is checked even after one fails, so one run
// shows every error; the exit code is 1 if any failed.
//
// apps/demo/e2e is checked too, but only once built: its fixtures import the built server and
// demo (dist/) on purpose, as the browser tests run them. `npm test` builds first.
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const projects = [
  'packages/protocol/tsconfig.check.json',
  'packages/server/tsconfig.check.json',
  'packages/server/test/tsconfig.json',
  'packages/client/tsconfig.check.json',
  'packages/client/test/tsconfig.json',
  'packages/react/tsconfig.check.json',
  'packages/react/test/tsconfig.json',
  'packages/node/tsconfig.check.json',
  'packages/node/test/tsconfig.json',
  'apps/demo/server/tsconfig.check.json',
  'apps/demo/web/tsconfig.check.json',
  'apps/demo/test/tsconfig.json',
  'bench/tsconfig.json',
];
const e2eNeeds = ['packages/server/dist/index.d.ts', 'apps/demo/dist/server/app.d.ts'];
const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));

const failed = [];
if (e2eNeeds.every((f) => fs.existsSync(new URL(`../${f}`, import.meta.url)))) projects.push('apps/demo/e2e/tsconfig.json');
else console.log('skip  apps/demo/e2e/tsconfig.json  (it checks against the build: run npm run build first)');
for (const project of projects) {
  const started = Date.now();
  const { status } = spawnSync(process.execPath, [tsc, '-p', project, '--pretty'], { cwd: root, stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (status !== 0) failed.push(project);
  console.log(`${status === 0 ? 'ok  ' : 'FAIL'}  ${project}  (${seconds} s)`);
}
if (failed.length > 0) {
  console.error(`\ntypecheck failed in ${failed.length} project(s): ${failed.join(', ')}`);
  process.exitCode = 1;
}
