/**
 * SPEC §5 under chaos: while a publisher streams 5,000 messages over 5 channels, the client's
 * connections are cut every ~200 ms and, for two stretches, the socket endpoint refuses
 * connections so only `/v1/sync` works. Every application handler must still be handed exactly
 * 1…n of its channel, in order, nothing twice, nothing missing.
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
  startCutting,
  startPublisher,
  startStack,
  tokenFor,
  waitForSubscribed,
  waitUntil,
} from './harness.js';

const CHANNELS = ['chaos:a', 'chaos:b', 'chaos:c', 'chaos:d', 'chaos:e'];

describe('delivery under chaos', () => {
  it('hands each handler exactly 1…n in order through cuts every 200 ms and stretches of refused sockets', { timeout: 90_000 }, async () => {
    const { h, proxy } = await startStack();
    let tokens = 0;
    const c = startClient(proxy, {
      getToken: () => (tokens++, tokenFor(h, { sub: 'chaos-user', channels: ['chaos:*'] })),
      ...FAST,
    });
    const recs = CHANNELS.map((ch) => record(c.herald, ch));
    await c.waitForState('live');
    await waitForSubscribed(h, 'chaos-user', CHANNELS);

    const total = 5000;
    const perChannel = total / CHANNELS.length;
    const pub = startPublisher(h, { channels: CHANNELS, total, batchSize: 25, durationMs: 8000 });
    const cutter = startCutting(proxy, 200);

    // Two stretches of ~1.5 s where only /v1/* gets through: the SDK must fall back to /v1/sync.
    const pollingSeen: boolean[] = [];
    for (const at of [1500, 2000]) {
      await sleep(at);
      proxy.refuseSocket(true);
      proxy.cutAll();
      const until = Date.now() + 1500;
      let seen = false;
      while (Date.now() < until) {
        if (c.herald.state === 'polling') seen = true;
        await sleep(10);
      }
      pollingSeen.push(seen || c.changes.some((ch) => ch.to === 'polling'));
      proxy.refuseSocket(false);
    }

    await pub.done;
    cutter.stop();
    expect([...pub.acked.values()]).toEqual(CHANNELS.map(() => perChannel));

    await waitUntil(
      () => recs.every((r) => r.last() >= perChannel),
      30_000,
      `every handler to reach seq ${perChannel} (at ${recs.map((r) => `${r.channel}:${r.last()}`).join(' ')}; ${describeChanges('connecting', c.changes)})`,
    );
    // Anything still in flight (a late replay, a second poll answer) would show up now.
    await sleep(500);

    for (const rec of recs) await expectExactlyOnce(h, rec, perChannel);
    for (const rec of recs) expect(rec.resets, `${rec.channel}: resets`).toBe(0);

    // The chaos really happened: sockets were cut, refused, and /v1/sync carried traffic.
    expect(proxy.stats.cuts).toBeGreaterThanOrEqual(30);
    expect(proxy.stats.refusedSocket).toBeGreaterThan(0);
    expect(proxy.stats.syncRequests).toBeGreaterThan(0);
    expect(c.wasIn('polling'), describeChanges('connecting', c.changes)).toBe(true);
    expect(pollingSeen.filter(Boolean).length, 'refused-socket stretches in which the client polled').toBeGreaterThanOrEqual(1);
    expect(c.wasIn('unauthorized')).toBe(false);

    await c.waitForState('live', 10_000);
    expectConsistentChanges('connecting', c.changes);
    expect(tokens).toBeGreaterThanOrEqual(1);
  });

  it('delivers exactly once over the Socket.IO polling transport with cuts every 200 ms', { timeout: 60_000 }, async () => {
    // Browsers behind some proxies only get HTTP long-polling from Socket.IO itself.
    const { h, proxy } = await startStack();
    const channels = CHANNELS.slice(0, 2);
    const c = startClient(proxy, {
      getToken: () => tokenFor(h, { sub: 'xhr-user', channels: ['chaos:*'] }),
      ...FAST,
      transports: ['polling'],
    });
    const recs = channels.map((ch) => record(c.herald, ch));
    await c.waitForState('live');
    await waitForSubscribed(h, 'xhr-user', channels);

    const pub = startPublisher(h, { channels, total: 1000, batchSize: 20, durationMs: 4000 });
    const cutter = startCutting(proxy, 200);
    await pub.done;
    cutter.stop();
    await waitUntil(() => recs.every((r) => r.last() >= 500), 20_000, `handlers to reach 500 (${recs.map((r) => r.last())})`);
    await sleep(500);
    for (const rec of recs) await expectExactlyOnce(h, rec, 500);
    expect(proxy.stats.upgrades).toBe(0);
    expect(proxy.stats.cuts).toBeGreaterThanOrEqual(15);
    await c.waitForState('live', 10_000);
  });
});
