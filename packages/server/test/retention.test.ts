/**
 * Retention (SPEC §4, §6): HERALD_HISTORY_SIZE / HERALD_HISTORY_TTL per namespace. Replays answer
 * `recovered: false` (subscribe) or list the channel in `reset` (sync) only when retention no
 * longer reaches back to the cursor; heads and seq survive pruning.
 */
import { describe, expect, it } from 'vitest';
import { connect, history, publish, publishMany, range, request, signToken, startHerald, type Herald } from './helpers.js';

/** Wait until history from 0 starts at `firstSeq` (retention ran). */
async function waitForPrune(h: Herald, channel: string, firstSeq: number) {
  let first: number | undefined;
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const { messages } = await history(h, channel, 0, 1000);
    first = messages[0]?.seq;
    if (first === firstSeq) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`retention did not prune ${channel} to start at ${firstSeq} (starts at ${first})`);
}

describe('retention by count', () => {
  it('keeps the newest HERALD_HISTORY_SIZE messages of the namespace; replays beyond them answer recovered: false', async () => {
    const h = await startHerald({ HERALD_HISTORY_SIZE: 'trim=5', HERALD_RETENTION_INTERVAL: '100ms' });
    await publishMany(h, 'trim:1', 20);
    await publishMany(h, 'keep:1', 20);
    await waitForPrune(h, 'trim:1', 16);
    expect((await history(h, 'trim:1', 0, 1000)).messages.map((m) => m.seq)).toEqual(range(16, 20));
    expect((await history(h, 'trim:1', 0, 1000)).head).toBe(20);
    // Other namespaces keep everything.
    expect((await history(h, 'keep:1', 0, 1000)).messages.map((m) => m.seq)).toEqual(range(1, 20));

    const c = await connect(h, await signToken(h, { sub: 'u', channels: ['trim:*'] }));
    // since = 15: everything after it is still stored.
    const full = await c.subscribe('trim:1', 15);
    expect(full).toMatchObject({ ok: true, head: 20, recovered: true });
    expect(full.messages.map((m: any) => m.seq)).toEqual(range(16, 20));
    // since = 3 or 14: seq 4..15 / 15 are gone, the client must refetch state.
    for (const since of [3, 14]) {
      const gone = await c.subscribe('trim:1', since);
      expect(gone.ok, `since=${since}`).toBe(true);
      expect(gone.recovered, `since=${since}`).toBe(false);
      expect(gone.head).toBe(20);
    }
    // The subscription is live afterwards, from head.
    await publish(h, { channel: 'trim:1', event: 'next', data: null });
    await c.waitFor((m) => m.event === 'next');
    expect(c.on('trim:1').map((m) => m.seq)).toEqual([21]);
  });

  it('/v1/sync lists a channel in reset when its cursor is beyond retention, and still answers the others', async () => {
    const h = await startHerald({ HERALD_HISTORY_SIZE: 'trim=5', HERALD_RETENTION_INTERVAL: '100ms' });
    await publishMany(h, 'trim:1', 20);
    await publishMany(h, 'keep:1', 3);
    await waitForPrune(h, 'trim:1', 16);
    const token = await signToken(h, { sub: 'u', channels: ['trim:*', 'keep:*'] });
    const res = await request(h, 'GET', '/v1/sync?cursors=trim:1:3,keep:1:1', undefined, { auth: token });
    expect(res.status).toBe(200);
    expect(res.body.reset).toEqual(['trim:1']);
    expect(res.body.heads).toEqual({ 'trim:1': 20, 'keep:1': 3 });
    expect(res.body.messages.map((m: any) => [m.channel, m.seq])).toEqual([
      ['keep:1', 2],
      ['keep:1', 3],
    ]);
    const ok = await request(h, 'GET', '/v1/sync?cursors=trim:1:15', undefined, { auth: token });
    expect(ok.body.reset).toEqual([]);
    expect(ok.body.messages.map((m: any) => m.seq)).toEqual(range(16, 20));
  });
});

describe('retention by age', () => {
  it('removes messages older than HERALD_HISTORY_TTL but keeps the head: seq continues after them', async () => {
    const h = await startHerald({ HERALD_HISTORY_TTL: 'short=300ms', HERALD_RETENTION_INTERVAL: '100ms' });
    for (let i = 1; i <= 3; i++) await publish(h, { channel: 'short:1', event: 'e', data: i });
    await publish(h, { channel: 'long:1', event: 'e', data: 1 });
    const deadline = Date.now() + 5000;
    let left = 3;
    while (left > 0 && Date.now() < deadline) {
      left = (await history(h, 'short:1', 0, 1000)).messages.length;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(left).toBe(0);
    expect((await history(h, 'short:1', 0, 1000)).head).toBe(3);
    expect((await history(h, 'long:1', 0, 1000)).messages).toHaveLength(1);
    expect((await publish(h, { channel: 'short:1', event: 'e', data: 4 }))[0]!.seq).toBe(4);
    const c = await connect(h, await signToken(h, { sub: 'u', channels: ['short:*'] }));
    expect(await c.subscribe('short:1', 3)).toMatchObject({ ok: true, head: 4, recovered: true });
    expect((await c.subscribe('short:1', 1)).recovered).toBe(false);
  });

  it('seq continues from the stored head after a restart even when retention removed every message', async () => {
    const h = await startHerald({ HERALD_HISTORY_TTL: 'short=200ms', HERALD_RETENTION_INTERVAL: '100ms' });
    for (let i = 1; i <= 3; i++) await publish(h, { channel: 'short:2', event: 'e', data: i });
    const deadline = Date.now() + 5000;
    while ((await history(h, 'short:2', 0, 1000)).messages.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await history(h, 'short:2', 0, 1000)).messages).toEqual([]);
    await h.restart();
    expect((await history(h, 'short:2', 0, 1000)).head).toBe(3);
    expect((await publish(h, { channel: 'short:2', event: 'e', data: 4 }))[0]!.seq).toBe(4);
  });
});
