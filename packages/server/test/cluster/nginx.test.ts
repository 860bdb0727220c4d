/**
 * Herald behind nginx configured by `deploy/nginx/herald.conf` (three node processes of the
 * built binary, PostgreSQL, Redis): health and readiness answer through nginx; long-polling-only
 * and WebSocket clients connect and receive what is published, whichever node they landed on;
 * clients from several source addresses spread over the nodes, each address staying on one node;
 * long-polls (`/v1/sync?wait=20`, Engine.IO's 25 s poll) are not cut by nginx.
 */
import { describe, expect, it } from 'vitest';
import { publish, request, signToken, type Client } from '../helpers.js';
import { connectClient, transportOf } from './clients.js';
import { startCluster } from './harness.js';

/** 127.0.0.2, 127.0.0.3, …: one source address per client, so `hash $remote_addr` spreads them. */
const source = (i: number) => `127.0.0.${i + 2}`;

describe('Herald behind nginx (deploy/nginx/herald.conf)', () => {
  it('answers /healthz and /readyz through nginx, and keeps /metrics to the nodes', async () => {
    const cluster = await startCluster({ nodes: 2 });
    const health = await request(cluster.h, 'GET', '/healthz', undefined, { auth: null });
    expect(health.status).toBe(200);
    const ready = await request(cluster.h, 'GET', '/readyz', undefined, { auth: null });
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', store: true, bus: true });
    expect((await request(cluster.h, 'GET', '/metrics', undefined, { auth: null })).status).toBe(403);
    expect((await request(cluster.nodes[0]!.h, 'GET', '/metrics', undefined, { auth: null })).status).toBe(200);
  }, 60_000);

  it('delivers to long-polling and WebSocket clients spread over the nodes, each address staying on one node', async () => {
    const cluster = await startCluster({ nodes: 3 });
    const token = (sub: string) => signToken(cluster.h, { sub, channels: ['room:*'] });
    const clients: Client[] = [];
    for (let i = 0; i < 12; i++) {
      // Even: long-polling only (every request of the session must reach its node); odd: socket.io's
      // default, polling then upgrade to WebSocket through nginx.
      const transports = i % 2 === 0 ? (['polling'] as const) : (['polling', 'websocket'] as const);
      clients.push(await connectClient(cluster.url, await token(`user-${i}`), { transports: [...transports], localAddress: source(i) }));
    }
    for (const c of clients) expect((await c.subscribe('room:1')).ok).toBe(true);
    for (let n = 1; n <= 5; n++) await publish(cluster.h, { channel: 'room:1', event: 'said', data: { n } });
    for (const c of clients) {
      await c.waitFor((m) => m.channel === 'room:1' && m.seq === 5, 10_000);
      expect(c.on('room:1').map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(c.disconnects).toBe(0);
    }
    expect(clients.filter((c, i) => i % 2 === 0).map(transportOf)).toEqual(Array(6).fill('polling'));
    expect(clients.filter((c, i) => i % 2 === 1).map(transportOf)).toEqual(Array(6).fill('websocket'));

    // nginx's access log: which node served each Socket.IO request of each client address.
    const nodesOf = new Map<string, Set<string>>();
    for (const line of cluster.nginx.accessLog()) {
      const [client, upstream, , method, target] = line.split(' ');
      if (!target?.startsWith('/socket.io/') || !client?.startsWith('127.0.0.') || client === '127.0.0.1') continue;
      expect(method).toMatch(/^"(GET|POST)$/);
      if (!nodesOf.has(client)) nodesOf.set(client, new Set());
      nodesOf.get(client)!.add(upstream!);
    }
    expect([...nodesOf.keys()].sort()).toEqual(clients.map((_, i) => source(i)).sort());
    for (const [client, upstreams] of nodesOf) expect([client, [...upstreams]]).toEqual([client, [expect.any(String)]]);
    const used = new Set([...nodesOf.values()].flatMap((s) => [...s]));
    expect(used.size).toBeGreaterThan(1);
  }, 90_000);

  it('lets long-polls run their course: /v1/sync?wait=20 and Engine.IO polls of 25 s', async () => {
    const cluster = await startCluster({ nodes: 2 });
    const token = await signToken(cluster.h, { sub: 'waiter', channels: ['quiet:*'] });
    const poller = await connectClient(cluster.url, token, { transports: ['polling'], localAddress: source(0) });
    const started = Date.now();
    const res = await request(cluster.h, 'GET', '/v1/sync?cursors=quiet:1:0&wait=20', undefined, { auth: token });
    const waited = Date.now() - started;
    expect(res.status, res.text).toBe(200);
    expect(res.body.messages).toEqual([]);
    expect(waited).toBeGreaterThanOrEqual(19_000);
    expect(waited).toBeLessThan(24_000);
    // The Engine.IO poll pending since the connect is answered by the server's ping at 25 s.
    await new Promise((r) => setTimeout(r, Math.max(0, 27_000 - (Date.now() - started))));
    expect(poller.socket.connected).toBe(true);
    expect(poller.disconnects).toBe(0);
    expect((await poller.subscribe('quiet:1')).ok).toBe(true);
  }, 90_000);
});
