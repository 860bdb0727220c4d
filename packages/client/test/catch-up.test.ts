/**
 * Catching up and starting over: a backlog larger than one answer (1,000 messages) is paged
 * through on the socket and on `/v1/sync`; a stored cursor the server cannot honour (another
 * database) raises `onReset` once and delivery resumes from the new head; handlers and
 * `close()` let go of what they held.
 */
import { describe, expect, it } from 'vitest';
import {
  expectExactlyOnce,
  FAST,
  notify,
  publish,
  range,
  record,
  request,
  sleep,
  startClient,
  startPublisher,
  startStack,
  tokenFor,
  waitForSnapshot,
  waitForSubscribed,
  waitUntil,
  type Herald,
} from './harness.js';
import { startHerald } from '../../server/test/helpers.js';

const claims = { sub: 'cu-user', channels: ['cu:*'] };

async function presence(h: Herald, channel: string): Promise<string[]> {
  return (await request(h, 'GET', `/v1/channels/${encodeURIComponent(channel)}/presence`)).body.users;
}

describe('catch-up', () => {
  for (const path of ['socket', 'sync'] as const) {
    it(`pages through a backlog of 2,500 missed messages on ${path === 'socket' ? 'the socket' : '/v1/sync'}`, { timeout: 40_000 }, async () => {
      const { h, proxy } = await startStack();
      const channel = `cu:${path}`;
      const c = startClient(proxy, {
        getToken: () => tokenFor(h, claims),
        ...FAST,
        // The socket path must not be overtaken by polling, and the other way round.
        ...(path === 'socket' ? { pollAfterMs: 60_000 } : {}),
      });
      const rec = record(c.herald, channel);
      await c.waitForState('live');
      await waitForSubscribed(h, claims.sub, [channel]);
      await publish(h, { channel, event: 'e', data: { n: 1 } });
      await waitUntil(() => rec.last() === 1, 5000, 'seq 1');

      proxy.refuseAll(true);
      const pub = startPublisher(h, { channels: [channel], total: 2500, batchSize: 500, durationMs: 200, after: 1 });
      await pub.done;
      await sleep(200);
      expect(rec.seqs()).toEqual([1]);
      if (path === 'sync') proxy.refuseSocket(true);
      proxy.refuseAll(false);
      await waitUntil(() => rec.last() >= 2501, 15_000, `seq 2501 (at ${rec.last()}, state ${c.herald.state})`);
      await sleep(300);
      await expectExactlyOnce(h, rec, 2501);
      if (path === 'sync') {
        expect(c.herald.state).toBe('polling');
        expect(proxy.stats.syncRequests).toBeGreaterThanOrEqual(3);
      } else {
        expect(c.wasIn('polling')).toBe(false);
        expect(proxy.stats.syncRequests).toBe(0);
      }
    });

    it(`calls onReset once for a cursor from another database, then delivers from the new head (${path})`, { timeout: 30_000 }, async () => {
      const { h, proxy } = await startStack();
      const channel = `cu:reset-${path}`;
      const getToken1 = () => tokenFor(h, claims);
      const first = startClient(proxy, { getToken: getToken1, ...FAST });
      const rec1 = record(first.herald, channel);
      await first.waitForState('live');
      await waitForSubscribed(h, claims.sub, [channel]);
      const pub = startPublisher(h, { channels: [channel], total: 20, batchSize: 20, durationMs: 10 });
      await pub.done;
      await waitUntil(() => rec1.last() === 20, 5000, 'seq 20');
      await first.close();

      // The same URL now leads to a server with a fresh database: stored cursor 20 > its head 0.
      const other = await startHerald();
      proxy.setTarget(other.url);
      if (path === 'sync') proxy.refuseSocket(true);
      const reloaded = startClient(proxy, {
        getToken: () => tokenFor(other, claims),
        ...FAST,
        storage: first.storage,
        syncWaitSeconds: 1,
      });
      const resets: string[] = [];
      const seqs: number[] = [];
      reloaded.herald.subscribe(channel, (m) => seqs.push(m.seq), { onReset: (ch) => resets.push(ch) });
      await waitUntil(() => resets.length > 0, 10_000, `onReset (state ${reloaded.herald.state})`);
      expect(resets).toEqual([channel]);
      // Resumes from the new server's head: the next messages are handed over.
      await sleep(100);
      for (let i = 1; i <= 5; i++) await publish(other, { channel, event: 'e', data: i });
      await waitUntil(() => seqs.length >= 5, 10_000, `5 messages after the reset (got ${JSON.stringify(seqs)})`);
      await sleep(300);
      expect(seqs).toEqual(range(1, 5));
      expect(resets).toEqual([channel]);
    });
  }

  it('two handlers of one channel each get every message once; the last unsubscribe and close() let go', { timeout: 20_000 }, async () => {
    const { h, proxy } = await startStack();
    const channel = 'cu:handlers';
    const c = startClient(proxy, { getToken: () => tokenFor(h, claims), ...FAST });
    const one = record(c.herald, channel);
    const two = record(c.herald, channel);
    await c.waitForState('live');
    await waitForSubscribed(h, claims.sub, [channel]);
    for (let i = 1; i <= 3; i++) await publish(h, { channel, event: 'e', data: i });
    await waitUntil(() => one.last() === 3 && two.last() === 3, 5000, 'both handlers at 3');
    one.stop();
    await publish(h, { channel, event: 'e', data: 4 });
    await waitUntil(() => two.last() === 4, 5000, 'seq 4 on the remaining handler');
    await sleep(100);
    expect(one.seqs()).toEqual([1, 2, 3]);
    expect(two.seqs()).toEqual([1, 2, 3, 4]);
    expect(await presence(h, channel)).toEqual([claims.sub]);

    two.stop();
    const deadline = Date.now() + 5000;
    while ((await presence(h, channel)).length > 0 && Date.now() < deadline) await sleep(25);
    expect(await presence(h, channel)).toEqual([]);

    // close(): nothing more reaches handlers, and the client stops talking to the server.
    const other = record(c.herald, 'cu:other');
    await waitForSubscribed(h, claims.sub, ['cu:other']);
    await c.close();
    const before = { ...proxy.stats, answers: undefined };
    const closedAt = Date.now();
    while ((await presence(h, 'cu:other')).length > 0 && Date.now() < closedAt + 5000) await sleep(25);
    expect(await presence(h, 'cu:other')).toEqual([]);
    await publish(h, { channel: 'cu:other', event: 'e', data: 1 });
    await sleep(1000);
    expect(other.seqs()).toEqual([]);
    expect({ ...proxy.stats, answers: undefined }).toEqual(before);
  });

  it('loads older inbox pages with loadMore()', { timeout: 20_000 }, async () => {
    const { h, proxy } = await startStack();
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push(await notify(h, ['user:cu-user'], 'order:created', `Order ${i}`));
    const c = startClient(proxy, { getToken: () => tokenFor(h, claims), ...FAST });
    await c.herald.inbox.ready();
    const first = c.herald.inbox.getSnapshot();
    expect(first.hasMore).toBe(true);
    expect(first.unread).toBe(60);
    expect(first.items.length).toBeLessThan(60);
    expect(first.items.map((n) => n.id)).toEqual([...ids].reverse().slice(0, first.items.length));
    while (c.herald.inbox.getSnapshot().hasMore) await c.herald.inbox.loadMore();
    const all = await waitForSnapshot(c, (s) => s.items.length === 60, 'all 60 items');
    expect(all.items.map((n) => n.id)).toEqual([...ids].reverse());
    expect(all.hasMore).toBe(false);
    expect(all.unread).toBe(60);
  });
});
