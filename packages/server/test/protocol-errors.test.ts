/**
 * Every error Herald's port answers has Herald's `{ error: { code, message } }` shape, including
 * those Node's HTTP parser raises before fastify routes anything (docs/protocol.md §4); malformed
 * sync cursors are 400 VALIDATION_FAILED; a `__proto__` key inside `data` is stored and delivered
 * as sent, and pollutes no prototype.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { createServer, parseConfig } from '../src/index.js';
import { connect, history, publish, request, signToken, startHerald, tempDir, testEnv, type Herald } from './helpers.js';

/** Send raw bytes on a new connection; answers the status and parsed body of what comes back. */
async function raw(h: Herald, bytes: string): Promise<{ status: number; body: any; head: string }> {
  const { hostname, port } = new URL(h.url);
  const text = await new Promise<string>((resolve) => {
    const socket = net.connect(Number(port), hostname);
    let got = '';
    socket.on('data', (d) => (got += d.toString('latin1')));
    // The server closes the connection after such an answer; a write it no longer reads may reset it.
    socket.on('error', () => {});
    socket.on('close', () => resolve(got));
    socket.write(bytes);
  });
  const [head = '', body = ''] = text.split('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), body: body ? JSON.parse(body) : undefined, head };
}

function expectHerald(answer: { status: number; body: any; head: string }, status: number, code: string) {
  expect(answer.status, answer.head).toBe(status);
  expect(answer.head.toLowerCase()).toContain('content-type: application/json');
  expect(answer.body.error.code).toBe(code);
  expect(typeof answer.body.error.message).toBe('string');
  expect(Object.keys(answer.body)).toEqual(['error']);
}

describe('errors raised before routing, in Herald format', () => {
  it('431 HEADERS_TOO_LARGE for a 20 KB header and a 1 MiB bearer token', async () => {
    const h = await startHerald();
    expectHerald(await raw(h, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`), 431, 'HEADERS_TOO_LARGE');
    const token = await raw(h, `POST /v1/publish HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'a'.repeat(1024 * 1024)}\r\nContent-Length: 2\r\n\r\n{}`);
    expectHerald(token, 431, 'HEADERS_TOO_LARGE');
    // Through an ordinary client too.
    const res = await request(h, 'GET', '/v1/inbox', undefined, { auth: 'x'.repeat(20_000) });
    expect(res.status).toBe(431);
    expect(res.body.error.code).toBe('HEADERS_TOO_LARGE');
  });

  it('414 URI_TOO_LONG, 400 BAD_REQUEST, 505 HTTP_VERSION_NOT_SUPPORTED, 417 EXPECTATION_FAILED', async () => {
    const h = await startHerald();
    expectHerald(await raw(h, `GET /v1/channels/${'a'.repeat(20_000)}/history HTTP/1.1\r\nHost: x\r\n\r\n`), 414, 'URI_TOO_LONG');
    expectHerald(await raw(h, 'garbage\r\n\r\n'), 400, 'BAD_REQUEST');
    expectHerald(await raw(h, 'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n'), 400, 'BAD_REQUEST');
    expectHerald(await raw(h, 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'), 400, 'BAD_REQUEST');
    expectHerald(await raw(h, 'GET /healthz HTTP/1.2\r\nHost: x\r\n\r\n'), 505, 'HTTP_VERSION_NOT_SUPPORTED');
    expectHerald(await raw(h, 'POST /v1/publish HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 0\r\n\r\n'), 417, 'EXPECTATION_FAILED');
    // And after all that, it serves.
    expect((await request(h, 'GET', '/healthz')).status).toBe(200);
  });

  it('408 REQUEST_TIMEOUT for a request that trickles in past HERALD_HTTP_REQUEST_TIMEOUT; a long-poll is not cut by it', async () => {
    const h = await startHerald({ HERALD_HTTP_REQUEST_TIMEOUT: '1s' });
    const { hostname, port } = new URL(h.url);
    // Headers sent one line at a time, never finished: the slowloris pattern.
    const started = Date.now();
    const answer = await new Promise<string>((resolve) => {
      const socket = net.connect(Number(port), hostname);
      let got = '';
      socket.on('data', (d) => (got += d.toString('latin1')));
      socket.on('error', () => {});
      socket.on('close', () => {
        clearInterval(drip);
        resolve(got);
      });
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
      let n = 0;
      const drip = setInterval(() => socket.writable && socket.write(`X-Drip-${n++}: 1\r\n`), 200);
    });
    const elapsed = Date.now() - started;
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    expectHerald({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), body: JSON.parse(body), head }, 408, 'REQUEST_TIMEOUT');
    // Cut after the timeout, within the check interval (a fifth of it) and some scheduling slack.
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(4000);
    // The timeout counts until the request has arrived, not until it is answered.
    const alice = await signToken(h, { sub: 'alice' });
    const poll = await request(h, 'GET', '/v1/sync?cursors=user:alice:0&wait=2', undefined, { auth: alice });
    expect(poll.status).toBe(200);
    expect(poll.body).toMatchObject({ messages: [], heads: { 'user:alice': 0 } });
  });

  it('HERALD_HTTP_REQUEST_TIMEOUT outside 1s–1h is a configuration error', () => {
    const dir = tempDir();
    const config = (extra: Record<string, string>) => parseConfig(testEnv(dir, extra), dir);
    for (const bad of ['0s', '500ms', '2h', 'soon']) {
      expect(() => config({ HERALD_HTTP_REQUEST_TIMEOUT: bad }), bad).toThrow(/HERALD_HTTP_REQUEST_TIMEOUT/);
    }
    expect(config({ HERALD_HTTP_REQUEST_TIMEOUT: '90s' }).requestTimeoutMs).toBe(90_000);
    expect(config({}).requestTimeoutMs).toBe(60_000);
  });
});

describe('a request that arrives while the server closes', () => {
  it('answers 503 UNAVAILABLE in Herald format', async () => {
    const dir = tempDir();
    const config = parseConfig(testEnv(dir), dir);
    const server = await createServer(config);
    const url = new URL(await server.listen());
    let closed: Promise<void> | undefined;
    try {
      const token = (await server.tokens.mint({ sub: 'closing' }, 60)).token;
      const socket = net.connect(Number(url.port), url.hostname);
      socket.on('error', () => {});
      let got = '';
      socket.on('data', (d) => (got += d.toString('latin1')));
      await new Promise((resolve) => socket.once('connect', resolve));
      // A long-poll keeps the connection busy, so closing does not end it as idle…
      socket.write(`GET /v1/sync?cursors=user:closing&wait=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`);
      await new Promise((r) => setTimeout(r, 200));
      closed = server.http.close();
      await new Promise((r) => setTimeout(r, 50));
      // …and the next request on it arrives while the server closes.
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      await new Promise((resolve) => socket.once('close', resolve));
      const second = got.slice(got.indexOf('HTTP/1.1', 1));
      expect(second).toMatch(/^HTTP\/1\.1 503 /);
      expect(JSON.parse(second.slice(second.indexOf('\r\n\r\n') + 4)).error.code).toBe('UNAVAILABLE');
    } finally {
      await closed;
      await server.close().catch(() => {});
    }
  });
});

describe('malformed sync cursors', () => {
  it('answer 400 VALIDATION_FAILED, not 403', async () => {
    const h = await startHerald();
    const token = await signToken(h, { sub: 's', channels: ['feed:*'] });
    for (const cursors of ['x:', ':5', ':', 'feed:a:', 'feed:a:0,:1', `feed:a:${'9'.repeat(20)}`]) {
      const res = await request(h, 'GET', `/v1/sync?cursors=${encodeURIComponent(cursors)}`, undefined, { auth: token });
      expect(res.status, cursors).toBe(400);
      expect(res.body.error.code, cursors).toBe('VALIDATION_FAILED');
    }
    // A channel whose name ends in ':' still syncs with an explicit seq.
    const ok = await request(h, 'GET', `/v1/sync?cursors=${encodeURIComponent('feed:a::0,feed:b:9007199254740991')}`, undefined, { auth: token });
    expect(ok.status, ok.text).toBe(200);
  });
});

describe('__proto__ and constructor keys', () => {
  const data = '{"__proto__":{"polluted":true},"list":[{"__proto__":{"polluted":1}}],"c":{"constructor":{"prototype":{"polluted":2}}}}';

  it('are stored and delivered as sent inside data, and pollute no prototype', async () => {
    const h = await startHerald();
    const client = await connect(h, await signToken(h, { sub: 'p', channels: ['proto:*'] }));
    expect((await client.subscribe('proto:a')).ok).toBe(true);
    const body = `{"channel":"proto:a","event":"e","idempotencyKey":"proto-1","data":${data}}`;
    const first = await request(h, 'POST', '/v1/publish', undefined, { raw: body });
    expect(first.status, first.text).toBe(200);
    // A retry with the same key is the same request: same answer, nothing new stored.
    expect((await request(h, 'POST', '/v1/publish', undefined, { raw: body })).body).toEqual(first.body);
    expect(({} as any).polluted).toBeUndefined();
    expect((Object.prototype as any).polluted).toBeUndefined();

    const { messages } = await history(h, 'proto:a');
    expect(messages).toHaveLength(1);
    expect(JSON.stringify(messages[0]!.data)).toBe(data);
    const live = await client.waitFor((m) => m.channel === 'proto:a');
    expect(JSON.stringify(live.data)).toBe(data);

    const notified = await request(h, 'POST', '/v1/notifications', undefined, { raw: `{"to":["user:p"],"type":"t","title":"T","data":${data}}` });
    expect(notified.status, notified.text).toBe(201);
    const inbox = await request(h, 'GET', '/v1/inbox', undefined, { auth: await signToken(h, { sub: 'p' }) });
    expect(JSON.stringify(inbox.body.items[0].data)).toBe(data);
    expect(({} as any).polluted).toBeUndefined();
  });

  it('are refused outside data as unknown fields (VALIDATION_FAILED)', async () => {
    const h = await startHerald();
    for (const [path, raw] of [
      ['/v1/publish', '{"channel":"proto:b","event":"e","__proto__":{"polluted":true}}'],
      ['/v1/tokens', '{"sub":"a","__proto__":{"polluted":true}}'],
      ['/v1/tokens', '{"sub":"a","constructor":{"prototype":{"polluted":true}}}'],
    ] as const) {
      const res = await request(h, 'POST', path, undefined, { raw });
      expect(res.status, raw).toBe(400);
      expect(res.body.error.code, raw).toBe('VALIDATION_FAILED');
    }
    expect(({} as any).polluted).toBeUndefined();
    await publish(h, { channel: 'proto:b', event: 'alive', data: null });
  });
});
