/**
 * Slow consumers (`HERALD_SOCKET_BUFFER_LIMIT`, `src/gateway/backpressure.ts`): a socket that stops
 * reading while messages are published (a WebSocket whose TCP socket is paused, or a long-polling
 * session that stops polling) has its transport closed once more than the limit waits for it on the
 * server, the disconnect is counted in `/metrics`, the server's memory stops growing with
 * what is published, a reading client on the same channel receives everything, and the stalled
 * client, once it reads again, reconnects and replays from its cursor without loss.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { connect, publishBatch, range, request, signToken, sleep, startHerald, waitUntil, type Herald } from './helpers.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Bytes the process holds outside the V8 heap in Buffers (where queued frames live), after a GC. */
function bufferBytes(): number {
  gc();
  gc();
  return process.memoryUsage().arrayBuffers;
}

const MiB = 1024 * 1024;
const LIMIT = MiB;

/** A Socket.IO client on a bare `ws` WebSocket: Engine.IO v4 framing by hand, so it can stop reading. */
async function rawSocket(h: Herald, token: string): Promise<{ ws: WebSocket; closed: Promise<void>; received: () => number }> {
  const ws = new WebSocket(`${h.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  onTestFinished(() => ws.terminate());
  let bytes = 0;
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (data: Buffer) => {
      bytes += data.length;
      const text = data.toString();
      if (text.startsWith('0')) ws.send(`40${JSON.stringify({ token })}`);
      else if (text.startsWith('40')) resolve();
      else if (text.startsWith('44')) reject(new Error(`refused: ${text}`));
      else if (text === '2') ws.send('3');
    });
    ws.once('error', reject);
  });
  return { ws, closed, received: () => bytes };
}

async function metric(h: Herald, name: string): Promise<number> {
  const res = await request(h, 'GET', '/metrics', undefined, { auth: null });
  const line = (res.text as string).split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

/** Publish `batches` × 50 messages of ~60 KB each (~3 MB per batch) to `broadcast`. */
async function flood(h: Herald, batches: number): Promise<void> {
  for (let b = 0; b < batches; b++) {
    const items = range(1, 50).map((i) => ({ channel: 'broadcast', event: 'bulk', data: `${b}:${i}:${'x'.repeat(60_000)}` }));
    await publishBatch(h, items);
  }
}

describe('slow consumers', () => {
  it('closes the transport of a socket that stops reading, counts it, and holds no more memory', async () => {
    const h = await startHerald({ HERALD_SOCKET_BUFFER_LIMIT: String(LIMIT) });
    const reader = await connect(h, await signToken(h, { sub: 'reader' }));
    const stalled = await rawSocket(h, await signToken(h, { sub: 'stalled' }));
    const before = bufferBytes();
    const rssBefore = process.memoryUsage().rss;

    // ws's public pause(): the TCP socket is no longer read, so the kernel's buffers fill, then the server's.
    stalled.ws.pause();
    await flood(h, 8); // ~24 MB to both sockets
    await waitUntil(() => reader.on('broadcast').length === 400, 20_000, 'the reader to receive everything');
    expect(await metric(h, 'herald_slow_consumer_disconnects_total')).toBe(1);
    const stats = await request(h, 'GET', '/v1/stats');
    expect(stats.body.connections).toBe(1);

    // The stalled socket is gone: publishing as much again adds nothing that stays.
    const afterFirst = bufferBytes();
    await flood(h, 8);
    await waitUntil(() => reader.on('broadcast').length === 800, 20_000, 'the reader to receive everything');
    const afterSecond = bufferBytes();
    const rssAfter = process.memoryUsage().rss;
    // Without the limit the stalled socket holds ~20 MB after each flood (what the kernel does not take).
    expect(afterFirst - before).toBeLessThan(8 * MiB);
    expect(afterSecond - before).toBeLessThan(8 * MiB);
    expect(reader.on('broadcast').map((m) => m.seq)).toEqual(range(1, 800));
    expect(reader.socket.connected).toBe(true);

    // Reading again, the stalled client finds its connection closed (a transport close, which a
    // socket.io-client answers by reconnecting) having received far less than was published.
    stalled.ws.resume();
    await stalled.closed;
    expect(stalled.received()).toBeLessThan(16 * MiB);
    console.info(
      `slow consumer: Buffer memory ${(before / MiB).toFixed(1)} MiB before, ${(afterFirst / MiB).toFixed(1)} after ~24 MB, ${(afterSecond / MiB).toFixed(1)} after ~48 MB; the stalled socket read ${(stalled.received() / MiB).toFixed(1)} MiB; RSS ${(rssBefore / MiB).toFixed(0)} → ${(rssAfter / MiB).toFixed(0)} MiB`,
    );
  }, 60_000);

  it('closes a long-polling session that stops polling once its queue passes the limit', async () => {
    const h = await startHerald({ HERALD_SOCKET_BUFFER_LIMIT: String(LIMIT) });
    const token = await signToken(h, { sub: 'sleepy' });
    // Engine.IO v4 long-polling by hand: open a session, connect to the namespace, read the
    // answer, then never poll again.
    const base = `${h.url}/socket.io/?EIO=4&transport=polling`;
    const open = await (await fetch(base)).text();
    const sid = JSON.parse(open.slice(1)).sid as string;
    const post = await fetch(`${base}&sid=${sid}`, { method: 'POST', body: `40${JSON.stringify({ token })}` });
    expect(post.status).toBe(200);
    expect(await (await fetch(`${base}&sid=${sid}`)).text()).toMatch(/^40/);
    await flood(h, 2); // ~6 MB waits for the session
    expect(await metric(h, 'herald_slow_consumer_disconnects_total')).toBe(1);
    // The session is gone: a poll now is answered as for an unknown session.
    expect((await fetch(`${base}&sid=${sid}`)).status).toBe(400);
  }, 60_000);

  it('leaves a socket that reads at its pace connected, however much is published', async () => {
    const h = await startHerald({ HERALD_SOCKET_BUFFER_LIMIT: String(LIMIT) });
    const reader = await connect(h, await signToken(h, { sub: 'steady' }));
    await flood(h, 6);
    await waitUntil(() => reader.on('broadcast').length === 300, 20_000, 'every message');
    await sleep(100);
    expect(reader.socket.connected).toBe(true);
    expect(await metric(h, 'herald_slow_consumer_disconnects_total')).toBe(0);
  }, 60_000);
});
