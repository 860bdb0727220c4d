/**
 * The front end's files: served from `webDir` only, with the single-page-app fallback for page
 * paths, and never a file outside it, however the path is written.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../packages/server/test/helpers.js';
import { call, startDemo } from './helpers.js';

/** A GET with the request-target sent exactly as written (fetch would normalise `..`). */
function rawGet(base: string, target: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, path: target, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static files', () => {
  it('serves the build, falls back to index.html for page paths, and refuses paths outside webDir', async () => {
    const dir = tempDir();
    const web = path.join(dir, 'web');
    fs.mkdirSync(path.join(web, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>demo</title>');
    fs.writeFileSync(path.join(web, 'assets', 'app-1234.js'), 'console.log(1)');
    fs.writeFileSync(path.join(web, 'favicon.svg'), '<svg/>');
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'TOP SECRET');
    fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(web, 'link.txt'));
    // No Herald is needed to serve files.
    const demo = await startDemo({ url: 'http://127.0.0.1:9', apiKey: 'hk_unused_000000000000000000' }, { webDir: web });

    const index = await call(demo.url, 'GET', '/');
    expect([index.status, index.body, index.headers.get('content-type'), index.headers.get('cache-control')]).toEqual([
      200,
      '<!doctype html><title>demo</title>',
      'text/html; charset=utf-8',
      'no-cache',
    ]);
    for (const page of ['/kitchen/7', '/restaurant/7/admin', '/inbox/quinn/jobs', '/loyalty/card/c-100']) {
      const res = await call(demo.url, 'GET', page);
      expect([page, res.status, res.body]).toEqual([page, 200, '<!doctype html><title>demo</title>']);
    }
    const js = await call(demo.url, 'GET', '/assets/app-1234.js');
    expect([js.status, js.body, js.headers.get('content-type'), js.headers.get('cache-control')]).toEqual([
      200,
      'console.log(1)',
      'text/javascript; charset=utf-8',
      'public, max-age=31536000, immutable',
    ]);
    expect((await call(demo.url, 'GET', '/favicon.svg')).headers.get('content-type')).toBe('image/svg+xml');
    expect((await call(demo.url, 'GET', '/assets/missing.js')).status).toBe(404);
    const api = await call(demo.url, 'GET', '/api/missing');
    expect([api.status, api.body.error.code]).toEqual([404, 'NOT_FOUND']);

    for (const target of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets%2f..%2f..%2fsecret.txt', '/link.txt', '/%2e%2e%5csecret.txt']) {
      const res = await rawGet(demo.url, target);
      expect([target, res.body.includes('TOP SECRET')]).toEqual([target, false]);
      expect([target, res.status]).toEqual([target, 404]);
    }
    expect((await rawGet(demo.url, '/%00index.html')).status).toBe(400);
    expect((await rawGet(demo.url, '/%E0%A4%A')).status).toBe(400);
  });

  it('answers 404 NOT_FOUND for page paths while the front end is not built', async () => {
    const demo = await startDemo({ url: 'http://127.0.0.1:9', apiKey: 'hk_unused_000000000000000000' }, { webDir: path.join(tempDir(), 'missing') });
    const res = await call(demo.url, 'GET', '/kitchen/7');
    expect([res.status, res.body.error.code]).toEqual([404, 'NOT_FOUND']);
  });
});
