/**
 * Durability across restarts (SPEC §5): a publish acknowledged with 200 survives a restart on the
 * same data file, stays replayable, and `seq` continues from the stored head.
 */
import { describe, expect, it } from 'vitest';
import { connect, fullHistory, history, publish, publishMany, range, request, signToken, startHerald, waitUntil } from './helpers.js';

describe('restart on the same data file', () => {
  it('keeps history intact and continues seq at head + 1', async () => {
    const h = await startHerald();
    const refs = [];
    for (let i = 1; i <= 5; i++) refs.push(...(await publish(h, { channel: 'durable:1', event: 'e', data: { i } })));
    await publishMany(h, 'durable:2', 1200);
    const before = await fullHistory(h, 'durable:1');
    const before2 = await fullHistory(h, 'durable:2');

    await h.restart();

    const after = await fullHistory(h, 'durable:1');
    expect(after).toEqual(before);
    expect(after.messages.map((m) => m.id)).toEqual(refs.map((r) => r.id));
    expect(await fullHistory(h, 'durable:2')).toEqual(before2);
    expect(await publish(h, { channel: 'durable:1', event: 'e', data: { i: 6 } })).toEqual([
      { channel: 'durable:1', seq: 6, id: expect.any(String) },
    ]);
    expect((await publish(h, { channel: 'durable:2', event: 'e', data: null }))[0]!.seq).toBe(1201);
    const ids = new Set([...after.messages, ...before2.messages].map((m) => m.id));
    const { messages } = await history(h, 'durable:1', 5, 10);
    expect(ids.has(messages[0]!.id)).toBe(false);
  });

  it('replays what a client missed across the restart through subscribe since', async () => {
    const h = await startHerald();
    const token = await signToken(h, { sub: 'u', channels: ['durable:*'] });
    const c = await connect(h, token);
    await c.subscribe('durable:r');
    await publish(h, { channel: 'durable:r', event: 'e', data: 1 });
    await c.waitFor((m) => m.channel === 'durable:r');
    await publish(h, { channel: 'durable:r', event: 'e', data: 2 });
    await publish(h, { channel: 'durable:r', event: 'e', data: 3 });

    await h.restart();

    const again = await connect(h, token);
    const ack = await again.subscribe('durable:r', 1);
    expect(ack).toMatchObject({ ok: true, head: 3, recovered: true });
    expect(ack.messages.map((m: any) => [m.seq, m.data])).toEqual([
      [2, 2],
      [3, 3],
    ]);
  });

  it('remembers idempotency keys across a restart', async () => {
    const h = await startHerald();
    const body = { channel: 'durable:idem', event: 'e', data: 'x', idempotencyKey: 'survives' };
    const first = await publish(h, body);
    await h.restart();
    expect(await publish(h, body)).toEqual(first);
    expect((await history(h, 'durable:idem')).head).toBe(1);
  });

  it('survives two restarts in a row with seq still contiguous', async () => {
    const h = await startHerald();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 3; i++) await publish(h, { channel: 'durable:multi', event: 'e', data: round });
      if (round < 2) await h.restart();
    }
    expect((await fullHistory(h, 'durable:multi')).messages.map((m) => m.seq)).toEqual(range(1, 9));
  });

  it('close() answers a waiting long-poll and disconnects sockets promptly', async () => {
    const h = await startHerald();
    const token = await signToken(h, { sub: 'u', channels: ['durable:*'] });
    const c = await connect(h, token);
    let settled = false;
    const poll = request(h, 'GET', '/v1/sync?cursors=durable:wait:0&wait=20', undefined, { auth: token }).then(
      (res) => ((settled = true), res),
      (err: unknown) => ((settled = true), err),
    );
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await h.stop();
    expect(Date.now() - started).toBeLessThan(3000);
    await waitUntil(() => settled, 2000, 'the long-poll to settle');
    await waitUntil(() => c.disconnects === 1, 2000, 'the socket to be disconnected');
    const res = (await poll) as { status?: number };
    expect([200, 503]).toContain(res.status);
  });
});
