/**
 * The built package runs on any runtime with `fetch` (Node 20+, Next.js route handlers, edge
 * runtimes): its JavaScript imports nothing but its own files, and uses no Node globals. Proved on
 * the build output (`npm run build` first): by reading it, and by running a copy of it from a
 * folder where no package can be resolved, against a real server.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fullHistory, startHerald, tempDir } from '../../server/test/helpers.js';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(pkg, 'dist');
const jsFiles = () => fs.readdirSync(dist).filter((f) => f.endsWith('.js'));

/** Module specifiers of static imports, re-exports and dynamic imports. */
function specifiers(code: string): string[] {
  const found: string[] = [];
  for (const re of [/\b(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g]) {
    for (const m of code.matchAll(re)) found.push(m[1]!);
  }
  return found;
}

describe('the built package', () => {
  it('is built from the current sources', () => {
    expect(fs.existsSync(path.join(dist, 'index.js')), 'packages/node/dist is missing: run `npm run build`').toBe(true);
    for (const file of fs.readdirSync(path.join(pkg, 'src'))) {
      const out = path.join(dist, file.replace(/\.ts$/, '.js'));
      expect(fs.existsSync(out), `${out} is missing: run \`npm run build\``).toBe(true);
      expect(fs.statSync(out).mtimeMs, `${file} changed after the build: run \`npm run build\``).toBeGreaterThanOrEqual(fs.statSync(path.join(pkg, 'src', file)).mtimeMs - 1000);
    }
  });

  it('imports only its own files at run time (@herald/protocol is types only), and uses no Node globals', () => {
    const files = jsFiles();
    expect(files).toContain('index.js');
    for (const file of files) {
      const code = fs.readFileSync(path.join(dist, file), 'utf8');
      for (const spec of specifiers(code)) expect(spec, `${file} imports ${spec}`).toMatch(/^\.\/[a-z-]+\.js$/);
      // Outside comments: no CommonJS, no Node-only globals or modules.
      const body = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      expect(body, file).not.toMatch(/\brequire\s*\(|\bprocess\.|\bBuffer\b|['"]node:|__dirname/);
    }
  });

  it('runs from a folder where no package resolves, against a real server', async () => {
    const h = await startHerald();
    const dir = tempDir('herald-node-dist-');
    fs.cpSync(dist, path.join(dir, 'dist'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    const script = `
      import { createHerald, HeraldError } from './dist/index.js';
      const herald = createHerald({ url: process.env.URL, apiKey: process.env.KEY, retries: 0 });
      const published = await herald.publish({ channel: 'edge:1', event: 'hello', data: { from: 'dist' } });
      const batch = await herald.publishBatch([{ channel: 'edge:1', event: 'hello', data: 2 }]);
      let code;
      try { await createHerald({ url: process.env.URL, apiKey: 'wrong', retries: 0 }).stats(); } catch (e) { code = e instanceof HeraldError && e.code; }
      console.log(JSON.stringify({ seq: published.messages[0].seq, batchSeq: batch.results[0].messages[0].seq, code }));
    `;
    // Asynchronously: the server runs in this process and must answer while the child waits.
    const run = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', URL: h.url, KEY: h.apiKey },
      timeout: 30_000,
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ seq: 1, batchSeq: 2, code: 'AUTH_INVALID' });
    expect((await fullHistory(h, 'edge:1')).messages.map((m) => m.data)).toEqual([{ from: 'dist' }, 2]);
  });
});
