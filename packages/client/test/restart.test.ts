/**
 * SPEC §5 across server restarts: the server is stopped mid-stream and a new one started on the
 * same SQLite file (on a new port, which the proxy follows), while connections keep being cut.
 * The client must come back by itself and hand each handler exactly 1…n.
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

const CHANNELS = ['chaos:r1', 'chaos:r2', 'chaos:r3', 'chaos:r4', 'chaos:r5'];

describe('delivery across server restarts', () => {
  it('hands each handler exactly 1…n when the server restarts mid-stream, once on the socket and once while polling', { timeout: 90_000 }, async () => {
    const { h, proxy } = await startStack();
    const c = startClient(proxy, {
      getToken: () => tokenFor(h, { sub: 'restart-user', channels: ['chaos:*'] }),
      ...FAST,
    });
    const recs = CHANNELS.map((ch) => record(c.herald, ch));
    await c.waitForState('live');
    await waitForSubscribed(h, 'restart-user', CHANNELS);

    const total = 3000;
    const perChannel = total / CHANNELS.length;
    const pub = startPublisher(h, { channels: CHANNELS, total, batchSize: 25, durationMs: 6000 });
    const cutter = startCutting(proxy, 200);
    const restart = async (downMs: number) => {
      // Only acknowledged publishes count: the publisher waits for its batch in flight.
      await pub.pause();
      const before = h.url;
      await h.stop();
      await sleep(downMs);
      await h.restart();
      expect(h.url).not.toBe(before);
      proxy.setTarget(h.url);
      pub.resume();
    };

    // First restart while the client is on its socket.
    await sleep(1500);
    await restart(800);
    const offlineAfterFirst = c.wasIn('offline');

    // Second restart while the socket endpoint is refused and the client lives on /v1/sync.
    await sleep(800);
    proxy.refuseSocket(true);
    proxy.cutAll();
    await c.waitForState('polling', 5000);
    await sleep(400);
    await restart(800);
    await sleep(800);
    proxy.refuseSocket(false);

    await pub.done;
    cutter.stop();
    expect([...pub.acked.values()]).toEqual(CHANNELS.map(() => perChannel));

    await waitUntil(
      () => recs.every((r) => r.last() >= perChannel),
      30_000,
      `every handler to reach seq ${perChannel} (at ${recs.map((r) => `${r.channel}:${r.last()}`).join(' ')}; ${describeChanges('connecting', c.changes)})`,
    );
    await sleep(500);
    for (const rec of recs) await expectExactlyOnce(h, rec, perChannel);
    for (const rec of recs) expect(rec.resets, `${rec.channel}: resets`).toBe(0);

    expect(offlineAfterFirst, `a stopped server leaves the client offline: ${describeChanges('connecting', c.changes)}`).toBe(true);
    expect(c.wasIn('polling')).toBe(true);
    await c.waitForState('live', 10_000);
    expectConsistentChanges('connecting', c.changes);
  });

  it('a client started while the server is down connects once it is up, and resumes after its stored cursors', { timeout: 60_000 }, async () => {
    const { h, proxy } = await startStack();
    const channel = 'chaos:late';
    const getToken = () => tokenFor(h, { sub: 'late-user', channels: ['chaos:*'] });
    const first = startClient(proxy, { getToken, ...FAST });
    const rec1 = record(first.herald, channel);
    await first.waitForState('live');
    await waitForSubscribed(h, 'late-user', [channel]);
    const pub1 = startPublisher(h, { channels: [channel], total: 100, batchSize: 10, durationMs: 500 });
    await pub1.done;
    await waitUntil(() => rec1.last() >= 100, 10_000, 'first client to reach 100');
    await first.close();

    // While nobody listens, 150 more; then the server goes down.
    const pub2 = startPublisher(h, { channels: [channel], total: 150, batchSize: 50, durationMs: 100, after: 100 });
    await pub2.done;
    await h.stop();

    // A page reload while the server is down: same storage, so it resumes after seq 100.
    const second = startClient(proxy, { getToken, ...FAST, storage: first.storage });
    const rec2 = record(second.herald, channel);
    await waitUntil(() => second.wasIn('offline'), 10_000, `offline (${describeChanges('connecting', second.changes)})`);
    await h.restart();
    proxy.setTarget(h.url);
    await second.waitForState('live', 10_000);
    await waitUntil(() => rec2.last() >= 250, 10_000, `reloaded client to reach 250 (at ${rec2.last()})`);
    await sleep(300);
    expect(rec1.seqs()).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(rec2.seqs()).toEqual(Array.from({ length: 150 }, (_, i) => i + 101));
    expect(rec2.resets).toBe(0);
  });
});
