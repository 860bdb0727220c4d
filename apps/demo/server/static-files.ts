/**
 * The front end's files (the Vite build), with the single-page-app fallback: a GET for a page
 * path such as `/kitchen/7` answers `index.html`, and the front end's router takes over.
 *
 * `@fastify/static` is not a dependency of this repository, and serving a build needs little:
 * this handler only ever reads files inside `webDir` (paths are resolved, then checked to stay
 * under it, symlinks included), and answers `/api/*` paths it does not know with a JSON 404.
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { DemoError, notFound } from './errors.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
};

/** Serve `webDir` on every GET that no API route answered. */
export function registerStaticFiles(app: FastifyInstance, webDir: string): void {
  const root = path.resolve(webDir);
  let realRoot: string | undefined;

  /** The real path of `file` if it is a regular file inside the root, else undefined. */
  async function inside(file: string): Promise<{ file: string; size: number } | undefined> {
    try {
      realRoot ??= await fs.realpath(root);
      const real = await fs.realpath(file);
      if (!real.startsWith(realRoot + path.sep)) return undefined;
      const stat = await fs.stat(real);
      return stat.isFile() ? { file: real, size: stat.size } : undefined;
    } catch {
      return undefined;
    }
  }

  function send(reply: FastifyReply, found: { file: string; size: number }, immutable: boolean) {
    const type = CONTENT_TYPES[path.extname(found.file).toLowerCase()] ?? 'application/octet-stream';
    return reply
      .type(type)
      .header('content-length', found.size)
      .header('x-content-type-options', 'nosniff')
      // Vite's hashed assets never change; everything else (index.html first) is checked each time.
      .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .send(createReadStream(found.file));
  }

  app.get('/*', async (request, reply) => {
    const pathname = request.url.split('?')[0]!;
    if (pathname === '/api' || pathname.startsWith('/api/')) throw new DemoError('NOT_FOUND', `No route GET ${pathname}`);
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      throw new DemoError('VALIDATION_FAILED', 'The URL is malformed');
    }
    if (decoded.includes('\0')) throw new DemoError('VALIDATION_FAILED', 'The URL is malformed');
    const file = path.resolve(root, `.${decoded}`);
    // `..` (even percent-encoded) must not leave the build directory.
    if (file !== root && !file.startsWith(root + path.sep)) throw notFound('file', pathname);

    const found = file === root ? undefined : await inside(file);
    if (found) return send(reply, found, decoded.startsWith('/assets/'));

    // A page path (no extension, or a browser asking for HTML) gets the app; a missing asset a 404.
    const page = !path.extname(decoded) || (request.headers.accept ?? '').includes('text/html');
    if (!page) throw notFound('file', pathname);
    const index = await inside(path.join(root, 'index.html'));
    if (!index) throw new DemoError('NOT_FOUND', `The front end is not built (no index.html in ${root})`);
    return send(reply, index, false);
  });
}
