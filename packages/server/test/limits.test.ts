/**
 * Limits against abuse (docs/protocol.md §6), each refused with its stable code and counted in
 * `herald_limit_refusals_total{limit}`: subscriptions per socket (`SUBSCRIPTION_LIMIT`), sockets
 * per user on a node (`CONNECTION_LIMIT` at the handshake), socket events per second
 * (`RATE_LIMITED` acks, the transport closed for a flood) and HTTP requests per second per
 * credential (`429 RATE_LIMITED` with `Retry-After`).
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/index.js';
import { connect, connectRefused, request, signToken, sleep, startHerald, testEnv, waitUntil, type Herald } from './helpers.js';

async function refusals(h: Herald, limit: string): Promise<number> {
  const res = await request(h, 'GET', '/metrics', undefined, { auth: null });
  const line = (res.text as string).split('\n').find((l) => l.startsWith(`herald_limit_refusals_total{limit="${limit}"} `));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

describe('limits', () => {
  it('has generous defaults, each a HERALD_* variable', () => {
    const config = parseConfig(testEnv('/tmp'));
    expect(config.limits).toEqual({
      socketBufferBytes: 4 * 1024 * 1024,
      subscriptionsPerSocket: 1000,
      connectionsPerUser: 100,
      socketEventRate: 100,
      socketEventBurst: 1000,
      httpRateApiKey: 0,
      httpRateToken: 200,
    });
    expect(() => parseConfig(testEnv('/tmp', { HERALD_SUBSCRIPTIONS_PER_SOCKET: '-1' }))).toThrow(/HERALD_SUBSCRIPTIONS_PER_SOCKET/);
  });

  it('refuses subscriptions past the limit per socket, inbox channels included', async () => {
    const h = await startHerald({ HERALD_SUBSCRIPTIONS_PER_SOCKET: '10' });
    const c = await connect(h, await signToken(h, { sub: 'many', channels: ['room:*'] }));
    // user:many and broadcast are two of the ten.
    for (let i = 1; i <= 8; i++) expect((await c.subscribe(`room:${i}`)).ok).toBe(true);
    const refused = await c.subscribe('room:9');
    expect(refused.ok).toBe(false);
    expect(refused.error.code).toBe('SUBSCRIPTION_LIMIT');
    // Subscribing again to a channel held is not a new subscription.
    expect((await c.subscribe('room:1', 0)).ok).toBe(true);
    expect((await c.ack('unsubscribe', { channel: 'room:1' })).ok).toBe(true);
    expect((await c.subscribe('room:9')).ok).toBe(true);
    expect(await refusals(h, 'subscriptions_per_socket')).toBe(1);
  });

  it('refuses a handshake past the sockets per user on the node, with a coded connect_error', async () => {
    const h = await startHerald({ HERALD_CONNECTIONS_PER_USER: '3' });
    const token = await signToken(h, { sub: 'tabs' });
    const open = [await connect(h, token), await connect(h, token), await connect(h, token)];
    const refused = await connectRefused(h, { token });
    expect(refused.data.code).toBe('CONNECTION_LIMIT');
    // Another user is not affected, and a closed socket frees its place.
    await connect(h, await signToken(h, { sub: 'other' }));
    open[0]!.socket.disconnect();
    await waitUntil(() => !open[0]!.socket.connected);
    await sleep(100);
    await connect(h, token);
    expect(await refusals(h, 'connections_per_user')).toBe(1);
  });

  it('answers RATE_LIMITED past the event rate, and admits events again once the bucket refills', async () => {
    const h = await startHerald({ HERALD_SOCKET_EVENT_RATE: '20', HERALD_SOCKET_EVENT_BURST: '40' });
    const c = await connect(h, await signToken(h, { sub: 'eager' }));
    const acks = await Promise.all(Array.from({ length: 100 }, () => c.ack('unsubscribe', { channel: 'room:1' })));
    const ok = acks.filter((a) => a.ok).length;
    const limited = acks.filter((a) => !a.ok && a.error.code === 'RATE_LIMITED').length;
    expect(ok + limited).toBe(100);
    expect(ok).toBeGreaterThanOrEqual(40);
    expect(ok).toBeLessThan(60);
    expect(c.socket.connected).toBe(true);
    await sleep(500);
    expect((await c.ack('unsubscribe', { channel: 'room:1' })).ok).toBe(true);
    expect(await refusals(h, 'socket_events')).toBe(limited);
  });

  it('answers 429 RATE_LIMITED with Retry-After past the HTTP rate of a client token, per token', async () => {
    const h = await startHerald({ HERALD_HTTP_RATE_TOKEN: '5' });
    const busy = await signToken(h, { sub: 'busy' });
    const calm = await signToken(h, { sub: 'calm' });
    const answers = await Promise.all(Array.from({ length: 8 }, () => request(h, 'GET', '/v1/inbox/unread-count', undefined, { auth: busy })));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(3);
    for (const r of refused) {
      expect(r.body.error.code).toBe('RATE_LIMITED');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    // Another token, the API key (off by default) and unauthenticated routes are not affected.
    expect((await request(h, 'GET', '/v1/inbox/unread-count', undefined, { auth: calm })).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await request(h, 'GET', '/v1/stats')).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await request(h, 'GET', '/healthz', undefined, { auth: null })).status).toBe(200);
    expect(await refusals(h, 'http_token')).toBe(3);
    // The next window admits the token again.
    await sleep(1100);
    expect((await request(h, 'GET', '/v1/inbox/unread-count', undefined, { auth: busy })).status).toBe(200);
  });

  it('limits an API key when HERALD_HTTP_RATE_API_KEY is set', async () => {
    const h = await startHerald({ HERALD_HTTP_RATE_API_KEY: '3' });
    const answers = await Promise.all(Array.from({ length: 5 }, () => request(h, 'GET', '/v1/stats')));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(3);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused.map((a) => a.body.error.code)).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
    expect(await refusals(h, 'http_api_key')).toBe(2);
  });

  it('closes the transport of a socket flooding events (the client may reconnect)', async () => {
    const h = await startHerald({ HERALD_SOCKET_EVENT_RATE: '20', HERALD_SOCKET_EVENT_BURST: '40' });
    const c = await connect(h, await signToken(h, { sub: 'flood' }));
    const reasons: string[] = [];
    c.socket.on('disconnect', (reason: string) => reasons.push(reason));
    // Far more than ten times the rate within a second.
    for (let i = 0; i < 1000; i++) c.socket.emit('unsubscribe', { channel: 'room:1' });
    await waitUntil(() => reasons.length > 0, 5000, 'the disconnect');
    expect(reasons[0]).toBe('transport close');
    expect(await refusals(h, 'socket_events_disconnect')).toBe(1);
  });
});
