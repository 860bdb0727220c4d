/**
 * Gap filling (SPEC §5): a message that arrives ahead of a gap is held `gapTimeoutMs`, then the
 * gap is fetched from history, and the handler still sees every seq once, in order. The gap is
 * made by a lossy middlebox on Socket.IO's polling transport that drops chosen packets while the
 * session stays up, so no reconnect (and no subscribe replay) can paper over it.
 */
import { describe, expect, it } from 'vitest';
import {
  expectExactlyOnce,
  FAST,
  publish,
  range,
  record,
  sleep,
  startClient,
  startPublisher,
  startStack,
  tokenFor,
  waitForSubscribed,
  waitUntil,
} from './harness.js';

const claims = { sub: 'gap-user', channels: ['gap:*'] };

describe('gap filling', () => {
  it('fetches a lost message from history once the next one has waited gapTimeoutMs', { timeout: 20_000 }, async () => {
    const { h, proxy } = await startStack();
    const channel = 'gap:one';
    const c = startClient(proxy, { getToken: () => tokenFor(h, claims), ...FAST, transports: ['polling'], gapTimeoutMs: 250 });
    const rec = record(c.herald, channel);
    await c.waitForState('live');
    await waitForSubscribed(h, claims.sub, [channel]);
    for (let i = 1; i <= 3; i++) {
      await publish(h, { channel, event: 'e', data: i });
      await waitUntil(() => rec.last() === i, 5000, `seq ${i}`);
    }
    const changesBefore = c.changes.length;

    proxy.dropPollingPackets((p) => p.includes(`"channel":"${channel}","seq":4,`));
    await publish(h, { channel, event: 'e', data: 4 });
    await waitUntil(() => proxy.stats.droppedPackets === 1, 5000, 'seq 4 to be dropped');
    proxy.dropPollingPackets(null);
    await sleep(100);
    expect(rec.seqs()).toEqual([1, 2, 3]);

    const sent = Date.now();
    await publish(h, { channel, event: 'e', data: 5 });
    await waitUntil(() => rec.last() === 5, 5000, `seq 5 (handler has ${JSON.stringify(rec.seqs())})`);
    const took = Date.now() - sent;
    await sleep(300);
    await expectExactlyOnce(h, rec, 5);
    // Filled from history, not by a reconnect.
    expect(c.changes.length).toBe(changesBefore);
    expect(proxy.stats.answers[`200 /v1/channels/${encodeURIComponent(channel)}/history`]).toBeGreaterThanOrEqual(1);
    // Seq 5 was held for the gap timeout before the fetch.
    expect(took).toBeGreaterThanOrEqual(200);
  });

  it('fills two lost batches of 100 while the stream goes on, on that channel and another', { timeout: 20_000 }, async () => {
    const { h, proxy } = await startStack();
    const channels = ['gap:a', 'gap:b'];
    const c = startClient(proxy, { getToken: () => tokenFor(h, claims), ...FAST, transports: ['polling'], gapTimeoutMs: 250 });
    const [a, b] = channels.map((ch) => record(c.herald, ch)) as [ReturnType<typeof record>, ReturnType<typeof record>];
    await c.waitForState('live');
    await waitForSubscribed(h, claims.sub, channels);
    const changesBefore = c.changes.length;

    // Each batch of 100 reaches the client as one packet; those of seqs 101…300 are lost.
    const lost = range(101, 300).map((s) => `"channel":"gap:a","seq":${s},`);
    proxy.dropPollingPackets((p) => lost.some((x) => p.includes(x)));
    await startPublisher(h, { channels: ['gap:a'], total: 300, batchSize: 100, durationMs: 300 }).done;
    await waitUntil(() => a.last() === 100, 5000, `gap:a at 100 (at ${a.last()})`);
    await sleep(300);
    proxy.dropPollingPackets(null);
    expect(proxy.stats.droppedPackets).toBe(2);
    expect(a.last()).toBe(100);

    const more = [
      startPublisher(h, { channels: ['gap:a'], total: 100, batchSize: 5, durationMs: 1000, after: 300 }),
      startPublisher(h, { channels: ['gap:b'], total: 100, batchSize: 5, durationMs: 1000 }),
    ];
    await Promise.all(more.map((p) => p.done));
    await waitUntil(() => a.last() >= 400 && b.last() >= 100, 10_000, `gap:a at 400, gap:b at 100 (at ${a.last()}, ${b.last()})`);
    await sleep(300);
    await expectExactlyOnce(h, a, 400);
    await expectExactlyOnce(h, b, 100);
    expect(c.changes.length, 'no reconnect').toBe(changesBefore);
  });
});
