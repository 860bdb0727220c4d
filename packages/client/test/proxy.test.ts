/**
 * The chaos proxy itself, against a real server with a real `socket.io-client`: the client suite
 * only means something if the proxy forwards faithfully and breaks things when told to.
 */
import { io, type Socket } from 'socket.io-client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { publish, request, signToken, sleep, startHerald, waitUntil, type Herald } from '../../server/test/helpers.js';
import { startProxy, type ChaosProxy } from './proxy.js';

async function stack(): Promise<{ h: Herald; proxy: ChaosProxy; token: string }> {
  const h = await startHerald();
  const proxy = await startProxy(h.url);
  onTestFinished(() => proxy.close());
  const token = await signToken(h, { sub: 'p', channels: ['px:*'] });
  return { h, proxy, token };
}

function socketVia(url: string, token: string, transports: ('websocket' | 'polling')[]): Socket {
  const socket = io(url, { path: '/socket.io', auth: { token }, transports, reconnection: false, forceNew: true, timeout: 3000 });
  onTestFinished(() => {
    socket.disconnect();
  });
  return socket;
}

function connected(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(err));
  });
}

describe('chaos proxy', () => {
  it('forwards HTTP requests and long-polls with status and body intact', async () => {
    const { h, proxy, token } = await stack();
    const via = { ...h, url: proxy.url };
    await publish(h, { channel: 'px:a', event: 'e', data: { n: 1 } });
    const hist = await request(via, 'GET', '/v1/channels/px%3Aa/history?since=0', undefined, { auth: token });
    expect(hist.status).toBe(200);
    expect(hist.body.messages.map((m: any) => m.data)).toEqual([{ n: 1 }]);
    const refused = await request(via, 'GET', '/v1/inbox', undefined, { auth: null });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('AUTH_REQUIRED');

    const poll = request(via, 'GET', '/v1/sync?cursors=px:a:1&wait=5', undefined, { auth: token });
    await sleep(200);
    await publish(h, { channel: 'px:a', event: 'e', data: { n: 2 } });
    const answer = await poll;
    expect(answer.status).toBe(200);
    expect(answer.body.messages.map((m: any) => m.seq)).toEqual([2]);
    expect(proxy.stats.syncRequests).toBe(1);
  });

  it('forwards WebSocket and polling transports, and cutAll() ends both', async () => {
    const { h, proxy, token } = await stack();
    for (const transports of [['websocket'], ['polling']] as const) {
      const socket = socketVia(proxy.url, token, [...transports]);
      await connected(socket);
      const ack = await socket.timeout(3000).emitWithAck('subscribe', { channel: 'px:ws' });
      expect(ack.ok).toBe(true);
      const got: number[] = [];
      socket.on('message', (m: any) => got.push(m.seq));
      const refs = await publish(h, { channel: 'px:ws', event: 'e', data: null });
      await waitUntil(() => got.includes(refs[0]!.seq), 3000, `${transports[0]} delivery`);
      let reason = '';
      socket.once('disconnect', (r) => (reason = r));
      expect(proxy.cutAll()).toBeGreaterThan(0);
      await waitUntil(() => reason !== '', 3000, `${transports[0]} disconnect after cutAll`);
      // A WebSocket sees its TCP connection close; a polling transport sees its request fail.
      expect(reason).toBe(transports[0] === 'websocket' ? 'transport close' : 'transport error');
    }
    expect(proxy.stats.upgrades).toBe(1);
  });

  it('cutAll() ends a waiting long-poll', async () => {
    const { proxy, token } = await stack();
    const poll = fetch(`${proxy.url}/v1/sync?cursors=px:cut:0&wait=20`, { headers: { authorization: `Bearer ${token}` } }).then(
      (r) => r.text(),
    );
    await sleep(200);
    const started = Date.now();
    proxy.cutAll();
    await expect(poll).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuseSocket() refuses /socket.io on both transports while /v1/sync still answers', async () => {
    const { h, proxy, token } = await stack();
    proxy.refuseSocket(true);
    for (const transports of [['websocket'], ['polling']] as const) {
      await expect(connected(socketVia(proxy.url, token, [...transports]))).rejects.toThrow();
    }
    expect(proxy.stats.refusedSocket).toBe(2);
    await publish(h, { channel: 'px:s', event: 'e', data: 1 });
    const res = await request({ ...h, url: proxy.url }, 'GET', '/v1/sync?cursors=px:s:0&wait=0', undefined, { auth: token });
    expect(res.status).toBe(200);
    expect(res.body.messages.map((m: any) => m.seq)).toEqual([1]);
    proxy.refuseSocket(false);
    await connected(socketVia(proxy.url, token, ['websocket']));
  });

  it('delayAnswers() serves a request at once and hands its answer on late', async () => {
    const { h, proxy, token } = await stack();
    proxy.delayAnswers('/v1/channels/px%3Ad/history', 600);
    const started = Date.now();
    const res = request({ ...h, url: proxy.url }, 'GET', '/v1/channels/px%3Ad/history?since=0', undefined, { auth: token });
    await waitUntil(() => proxy.stats.answers['200 /v1/channels/px%3Ad/history'] === 1, 2000, 'the server to answer');
    // Published after the server answered: the late answer must not contain it.
    await publish(h, { channel: 'px:d', event: 'e', data: 1 });
    const answer = await res;
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect(answer.body).toEqual({ messages: [], head: 0 });
    proxy.delayAnswers('/v1/channels/px%3Ad/history', 0);
    const t = Date.now();
    await request({ ...h, url: proxy.url }, 'GET', '/healthz', undefined, { auth: null });
    expect(Date.now() - t).toBeLessThan(300);
  });

  it('failAnswers() answers 503 in Herald format for the next requests to one path', async () => {
    const { h, proxy, token } = await stack();
    const via = { ...h, url: proxy.url };
    proxy.failAnswers('/v1/inbox/unread-count', 2);
    for (let i = 0; i < 2; i++) {
      const res = await request(via, 'GET', '/v1/inbox/unread-count', undefined, { auth: token });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('UNAVAILABLE');
    }
    expect((await request(via, 'GET', '/v1/inbox', undefined, { auth: token })).status).toBe(200);
    expect((await request(via, 'GET', '/v1/inbox/unread-count', undefined, { auth: token })).body).toEqual({ unread: 0 });
  });

  it('dropPollingPackets() loses chosen packets of the polling transport without ending the session', async () => {
    const { h, proxy, token } = await stack();
    const socket = socketVia(proxy.url, token, ['polling']);
    await connected(socket);
    expect((await socket.timeout(3000).emitWithAck('subscribe', { channel: 'px:drop' })).ok).toBe(true);
    const got: number[] = [];
    socket.on('message', (m: any) => got.push(m.seq));
    proxy.dropPollingPackets((p) => p.includes('"seq":2,'));
    for (let i = 1; i <= 3; i++) {
      await publish(h, { channel: 'px:drop', event: 'e', data: i });
      await sleep(100);
    }
    await waitUntil(() => got.includes(3), 3000, 'seq 3');
    expect(got).toEqual([1, 3]);
    expect(proxy.stats.droppedPackets).toBe(1);
    expect(socket.connected).toBe(true);
    proxy.dropPollingPackets(null);
  });

  it('refuseAll() drops everything; setTarget() follows a restarted server', async () => {
    const { h, proxy, token } = await stack();
    proxy.refuseAll(true);
    await expect(fetch(`${proxy.url}/healthz`)).rejects.toThrow();
    await expect(connected(socketVia(proxy.url, token, ['websocket']))).rejects.toThrow();
    proxy.refuseAll(false);
    expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200);

    const old = h.url;
    await h.stop();
    const down = await fetch(`${proxy.url}/healthz`);
    expect(down.status).toBe(502);
    await h.restart();
    expect(h.url).not.toBe(old);
    proxy.setTarget(h.url);
    expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200);
    await connected(socketVia(proxy.url, token, ['websocket']));
  });
});
