/**
 * The connection state machine as the application sees it: `connecting` → `live`; `polling` when
 * the socket endpoint is refused; `offline` when nothing gets through; `unauthorized` (terminal)
 * when `getToken` throws `UnauthorizedError`; every change emitted once as `{ from, to }`.
 */
import { describe, expect, it } from 'vitest';
import { UnauthorizedError } from '../src/index.js';
import {
  describeChanges,
  expectConsistentChanges,
  expectExactlyOnce,
  FAST,
  publish,
  range,
  record,
  request,
  sleep,
  startClient,
  startPublisher,
  startStack,
  tokenFor,
  waitForSubscribed,
  waitUntil,
} from './harness.js';

const claims = { sub: 'state-user', channels: ['st:*'] };

describe('connection state', () => {
  it('starts connecting and goes live; onStateChange stops when unsubscribed', async () => {
    const { h, proxy } = await startStack();
    const c = startClient(proxy, { getToken: () => tokenFor(h, claims), ...FAST });
    expect(c.herald.state).toBe('connecting');
    const seen: string[] = [];
    const off = c.herald.onStateChange(({ to }) => seen.push(to));
    await c.waitForState('live');
    expect(seen).toEqual(['live']);
    expect(c.changes).toEqual([{ from: 'connecting', to: 'live' }]);
    off();
    proxy.cutAll();
    await waitUntil(() => c.changes.length >= 3, 5000, `a reconnect (${describeChanges('connecting', c.changes)})`);
    await c.waitForState('live');
    expect(seen).toEqual(['live']);
    expectConsistentChanges('connecting', c.changes);
  });

  it('is unauthorized, for good, when getToken throws UnauthorizedError at start', async () => {
    const { proxy } = await startStack();
    let calls = 0;
    const c = startClient(proxy, {
      getToken: () => {
        calls++;
        throw new UnauthorizedError('signed out');
      },
      ...FAST,
    });
    await c.waitForState('unauthorized', 5000);
    const callsThen = calls;
    await sleep(1500);
    expect(c.herald.state).toBe('unauthorized');
    expect(calls, 'getToken is not asked again once unauthorized').toBe(callsThen);
    expect(c.changes.filter((ch) => ch.to === 'unauthorized')).toHaveLength(1);
    expectConsistentChanges('connecting', c.changes);
    expect(c.wasIn('live')).toBe(false);
  });

  it('is unauthorized when getToken throws UnauthorizedError at a refresh, and stops receiving', async () => {
    const { h, proxy } = await startStack();
    let calls = 0;
    const c = startClient(proxy, {
      getToken: () => {
        if (++calls === 1) return tokenFor(h, claims, 4);
        throw new UnauthorizedError('session ended');
      },
      ...FAST,
      refreshBeforeExpiryMs: 2000,
    });
    const rec = record(c.herald, 'st:refresh');
    await c.waitForState('live');
    await waitForSubscribed(h, claims.sub, ['st:refresh']);
    await publish(h, { channel: 'st:refresh', event: 'e', data: 1 });
    await waitUntil(() => rec.last() === 1, 5000, 'seq 1');

    await c.waitForState('unauthorized', 8000);
    expect(calls).toBe(2);
    // The client let go of its connection: the server no longer counts it on the channel.
    const deadline = Date.now() + 5000;
    let users: string[] = [claims.sub];
    while (Date.now() < deadline && users.includes(claims.sub)) {
      users = (await request(h, 'GET', '/v1/channels/st%3Arefresh/presence')).body.users;
      await sleep(50);
    }
    expect(users).not.toContain(claims.sub);
    await publish(h, { channel: 'st:refresh', event: 'e', data: 2 });
    await sleep(500);
    expect(rec.seqs()).toEqual([1]);
    expect(c.herald.state).toBe('unauthorized');
    expectConsistentChanges('connecting', c.changes);
  });

  it('polls /v1/sync when the socket endpoint is refused, then goes live without losing or repeating a message', { timeout: 40_000 }, async () => {
    const { h, proxy } = await startStack();
    proxy.refuseSocket(true);
    const c = startClient(proxy, { getToken: () => tokenFor(h, claims), ...FAST, syncWaitSeconds: 1 });
    const rec = record(c.herald, 'st:poll');
    await c.waitForState('polling', 5000);
    expect(c.wasIn('live')).toBe(false);
    // A first poll answered: the client knows where the channel stands.
    await waitUntil(() => proxy.stats.syncRequests >= 2, 5000, 'a second /v1/sync request');

    const pub = startPublisher(h, { channels: ['st:poll'], total: 200, batchSize: 5, durationMs: 3000 });
    await sleep(1500);
    expect(c.herald.state).toBe('polling');
    expect(rec.last(), 'messages flow while polling').toBeGreaterThan(0);
    proxy.refuseSocket(false);
    await c.waitForState('live', 5000);
    await pub.done;
    await waitUntil(() => rec.last() >= 200, 10_000, `seq 200 (at ${rec.last()})`);
    await sleep(300);
    await expectExactlyOnce(h, rec, 200);
    expect(proxy.stats.refusedSocket).toBeGreaterThan(0);
    expectConsistentChanges('connecting', c.changes);
  });

  it('shows polling soon after polling starts, even when nothing is published (default long-poll wait)', { timeout: 20_000 }, async () => {
    // types.ts: `connecting` is "socket retrying before polling starts"; once /v1/sync is in use
    // the state is `polling`, whether or not the first long-poll has had anything to answer.
    const { h, proxy } = await startStack();
    const c = startClient(proxy, { getToken: () => tokenFor(h, claims), pollAfterMs: 300, backoff: { minMs: 50, maxMs: 500 } });
    record(c.herald, 'st:quiet');
    await c.waitForState('live');
    proxy.refuseSocket(true);
    proxy.cutAll();
    const cutAt = Date.now();
    await waitUntil(() => proxy.stats.syncRequests >= 1, 5000, 'polling to start');
    const startedAfter = Date.now() - cutAt;
    await c.waitForState('polling', 3000).catch((err: Error) => {
      throw new Error(`${err.message}; /v1/sync requests: ${proxy.stats.syncRequests}, first one ${startedAfter} ms after the cut`);
    });
    expectConsistentChanges('connecting', c.changes);
  });

  it('goes offline when nothing gets through, and catches up once the network is back', { timeout: 30_000 }, async () => {
    const { h, proxy } = await startStack();
    const c = startClient(proxy, { getToken: () => tokenFor(h, claims), ...FAST });
    const rec = record(c.herald, 'st:off');
    await c.waitForState('live');
    await waitForSubscribed(h, claims.sub, ['st:off']);
    await publish(h, { channel: 'st:off', event: 'e', data: 1 });
    await waitUntil(() => rec.last() === 1, 5000, 'seq 1');

    proxy.refuseAll(true);
    await c.waitForState('offline', 5000);
    for (let i = 2; i <= 30; i++) await publish(h, { channel: 'st:off', event: 'e', data: i });
    await sleep(500);
    expect(c.herald.state).toBe('offline');
    expect(rec.seqs()).toEqual([1]);

    proxy.refuseAll(false);
    await c.waitForState('live', 5000);
    await waitUntil(() => rec.last() >= 30, 5000, `seq 30 (at ${rec.last()})`);
    await sleep(300);
    await expectExactlyOnce(h, rec, 30);
    expectConsistentChanges('connecting', c.changes);
  });

  it('hands over a message published right after a subscription made while polling', { timeout: 30_000 }, async () => {
    // The first /v1/sync of a new channel (no cursor yet) is a long-poll pinned at the head the
    // server saw when it began: a message published during it was published after the client
    // subscribed, and the answer carries it. The handler must get it.
    const { h, proxy } = await startStack();
    proxy.refuseSocket(true);
    const c = startClient(proxy, { getToken: () => tokenFor(h, claims), ...FAST, syncWaitSeconds: 3 });
    const rec = record(c.herald, 'st:first');
    await waitUntil(() => proxy.stats.syncRequests >= 1, 5000, 'the first /v1/sync request');
    await sleep(300);
    await publish(h, { channel: 'st:first', event: 'e', data: 'first' });
    await waitUntil(() => rec.last() >= 1, 5000, `seq 1 to reach the handler (got ${JSON.stringify(rec.seqs())})`).catch(async (err) => {
      // Publish a second one: if it arrives but seq 1 never did, seq 1 was dropped, not late.
      await publish(h, { channel: 'st:first', event: 'e', data: 'second' });
      await sleep(2000);
      throw new Error(`${(err as Error).message}; after a second publish the handler has ${JSON.stringify(rec.seqs())}`);
    });
    await publish(h, { channel: 'st:first', event: 'e', data: 'second' });
    await waitUntil(() => rec.last() >= 2, 5000, 'seq 2');
    expect(rec.seqs()).toEqual(range(1, 2));
  });
});
