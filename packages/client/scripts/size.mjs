// Bundle size of @herald/client for browsers: minified + gzipped, socket.io-client excluded
// (applications usually have it already; it is reported separately). Run: npm run size -w @herald/client
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const bundle = async (external) => {
  const out = await build({ entryPoints: [entry], bundle: true, minify: true, format: 'esm', platform: 'browser', write: false, external, target: 'es2020' });
  const code = out.outputFiles[0].contents;
  return { min: code.length, gzip: gzipSync(code, { level: 9 }).length };
};
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const own = await bundle(['socket.io-client']);
const all = await bundle([]);
console.log(`@herald/client            min ${kb(own.min)}  min+gzip ${kb(own.gzip)}  (goal ≤ 15 KB)`);
console.log(`with socket.io-client     min ${kb(all.min)}  min+gzip ${kb(all.gzip)}`);
// For packages/client/test/size-figures.test.ts, which checks the READMEs' figures against these.
if (process.argv.includes('--json')) console.log(JSON.stringify({ own, all }));
if (own.gzip > 15 * 1024) process.exitCode = 1;
