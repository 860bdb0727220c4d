/**
 * Token lifetimes mid-stream: `getToken` is asked again ahead of expiry, and when the server ends a
 * connection or refuses a request because the token expired (AUTH_EXPIRED), the client gets a new
 * one and carries on, on the socket and while polling, without losing a message.
 */
import { describe, expect, it } from 'vitest';
import {
  describeChanges,
  expectConsistentChanges,
  expectExactlyOnce,
  FAST,
  record,
  sleep,
  startClient,
  startPublisher,
  startStack,
  tokenFor,
  waitForSubscribed,
  waitUntil,
} from './harness.js';

const CHANNELS = ['tok:a', 'tok:b'];
const claims = { sub: 'tok-user', channels: ['tok:*'] };

/**
 * A `getToken` whose identity provider hands out the same token, issued 27 s past its `exp`
 * (still inside the server's 30 s leeway, so good for ~3 s more), until `staleForMs` has passed;
 * fresh 10-minute tokens after that.
 */
async function staleThenFresh(h: Parameters<typeof tokenFor>[0], staleForMs: number) {
  const started = Date.now();
  const stale = await tokenFor(h, claims, -27);
  const calls: { at: number; stale: boolean }[] = [];
  const getToken = async () => {
    const isStale = Date.now() - started < staleForMs;
    calls.push({ at: Date.now() - started, stale: isStale });
    return isStale ? stale : tokenFor(h, claims, 600);
  };
  return { getToken, calls };
}

describe('token expiry mid-stream', () => {
  it('asks getToken again ahead of expiry and loses nothing while publishing', { timeout: 60_000 }, async () => {
    const { h, proxy } = await startStack();
    const calls: number[] = [];
    const started = Date.now();
    const c = startClient(proxy, {
      // 4-second tokens, refreshed 2 s before they expire: about every 2 s.
      getToken: () => (calls.push(Date.now() - started), tokenFor(h, claims, 4)),
      ...FAST,
      refreshBeforeExpiryMs: 2000,
    });
    const recs = CHANNELS.map((ch) => record(c.herald, ch));
    await c.waitForState('live');
    await waitForSubscribed(h, claims.sub, CHANNELS);

    const pub = startPublisher(h, { channels: CHANNELS, total: 1000, batchSize: 10, durationMs: 7000 });
    await pub.done;
    await waitUntil(() => recs.every((r) => r.last() >= 500), 15_000, `handlers to reach 500 (${recs.map((r) => r.last())})`);
    await sleep(300);
    for (const rec of recs) await expectExactlyOnce(h, rec, 500);
    expect(calls.length, `getToken calls at ${calls.join(', ')} ms`).toBeGreaterThanOrEqual(3);
    expect(c.wasIn('unauthorized')).toBe(false);
    expect(c.herald.state).toBe('live');
  });

  it('recovers when the server ends the socket with AUTH_EXPIRED and refuses the old token', { timeout: 60_000 }, async () => {
    const { h, proxy } = await startStack();
    const { getToken, calls } = await staleThenFresh(h, 4500);
    const c = startClient(proxy, { getToken, ...FAST });
    const recs = CHANNELS.map((ch) => record(c.herald, ch));
    await c.waitForState('live');
    await waitForSubscribed(h, claims.sub, CHANNELS);

    const pub = startPublisher(h, { channels: CHANNELS, total: 1000, batchSize: 10, durationMs: 8000 });
    await pub.done;
    await waitUntil(
      () => recs.every((r) => r.last() >= 500),
      15_000,
      `handlers to reach 500 (${recs.map((r) => r.last())}; ${describeChanges('connecting', c.changes)})`,
    );
    await sleep(300);
    for (const rec of recs) await expectExactlyOnce(h, rec, 500);

    // The server did end the connection (the stale token ran out of leeway) …
    expect(c.changes.some((ch) => ch.from === 'live'), describeChanges('connecting', c.changes)).toBe(true);
    // … and the client asked getToken again and got past it with a fresh token.
    expect(calls.filter((x) => !x.stale).length, JSON.stringify(calls)).toBeGreaterThanOrEqual(1);
    expect(c.wasIn('unauthorized')).toBe(false);
    await c.waitForState('live', 5000);
    expectConsistentChanges('connecting', c.changes);
  });

  it('recovers from AUTH_EXPIRED on /v1/sync while the socket endpoint is refused', { timeout: 60_000 }, async () => {
    const { h, proxy } = await startStack();
    proxy.refuseSocket(true);
    const { getToken, calls } = await staleThenFresh(h, 4500);
    const c = startClient(proxy, { getToken, ...FAST, syncWaitSeconds: 1 });
    const recs = CHANNELS.map((ch) => record(c.herald, ch));
    await c.waitForState('polling');
    // A first poll answered: the client knows where each channel stands.
    await waitUntil(() => proxy.stats.syncRequests >= 2, 5000, 'a second /v1/sync request');

    const pub = startPublisher(h, { channels: CHANNELS, total: 600, batchSize: 10, durationMs: 7000 });
    await pub.done;
    await waitUntil(
      () => recs.every((r) => r.last() >= 300),
      15_000,
      `handlers to reach 300 (${recs.map((r) => r.last())}; ${describeChanges('connecting', c.changes)})`,
    );
    await sleep(300);
    for (const rec of recs) await expectExactlyOnce(h, rec, 300);
    expect(calls.filter((x) => !x.stale).length, JSON.stringify(calls)).toBeGreaterThanOrEqual(1);
    expect(c.wasIn('unauthorized')).toBe(false);
    expect(c.wasIn('live')).toBe(false);
    // The server did refuse the stale token on /v1/sync.
    expect(proxy.stats.answers['401 /v1/sync'], JSON.stringify(proxy.stats.answers)).toBeGreaterThanOrEqual(1);

    proxy.refuseSocket(false);
    await c.waitForState('live', 5000);
    expectConsistentChanges('connecting', c.changes);
  });
});
