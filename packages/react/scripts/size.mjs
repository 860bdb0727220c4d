// Bundle size of @herald/react for browsers: minified + gzipped, with React, react-dom, sonner and
// @herald/client (and its protocol types) left out, as an application that uses them already
// bundles them. Budget (SPEC §7): 15 KB. Run: npm run size -w @herald/react
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const external = ['react', 'react/jsx-runtime', 'react-dom', 'sonner', '@herald/client', '@herald/protocol'];
const out = await build({ entryPoints: [entry], bundle: true, minify: true, format: 'esm', platform: 'browser', write: false, external, target: 'es2020', logLevel: 'error' });
const code = out.outputFiles[0].contents;
const gzip = gzipSync(code, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`@herald/react   min ${kb(code.length)}  min+gzip ${kb(gzip)}  (budget ≤ 15 KB, without React, sonner and @herald/client)`);
if (process.argv.includes('--json')) console.log(JSON.stringify({ min: code.length, gzip }));
if (gzip > 15 * 1024) {
  console.error('over budget');
  process.exitCode = 1;
}
