// `npm run typecheck`: the types of the sources and the tests of every package, of the demo and
// of the benchmarks, with nothing written. Each project below extends `tsconfig.check.json` (no
// emit, no build info, sibling packages read from source), so it works on a checkout that was
// never built and leaves dist/ alone. Every project is checked even after one fails, so one run
// shows every error; the exit code is 1 if any failed.
//
// Not here: apps/demo/e2e, whose fixtures import the built server and demo (dist/) on purpose.
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
const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));

const failed = [];
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
