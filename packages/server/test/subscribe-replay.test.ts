/**
 * `subscribe` with and without `since` (SPEC §4, §5): replay of exactly what was missed, at most
 * 1000 in the ack with history paging on to head, and live delivery exactly once and in order,
 * with no duplicate or gap between the replay and the live `message` events.
 */
import { describe, expect, it } from 'vitest';
import { connect, history, publish, publishBatch, publishMany, range, signToken, startHerald, waitUntil } from './helpers.js';

describe('subscribe replay', () => {
  it('since = k answers exactly k+1…head, ascending, with head and recovered: true', async () => {
    const h = await startHerald();
    const refs = [];
    for (let i = 1; i <= 10; i++) refs.push(...(await publish(h, { channel: 'replay:1', event: 'e', data: i })));
    const c = await connect(h, await signToken(h, { sub: 'u', channels: ['replay:*'] }));
    for (const k of [0, 1, 4, 9, 10]) {
      const ack = await c.subscribe('replay:1', k);
      expect(ack.ok).toBe(true);
      expect(ack.channel).toBe('replay:1');
      expect(ack.head).toBe(10);
      expect(ack.recovered).toBe(true);
      expect(ack.messages.map((m: any) => m.seq), `since=${k}`).toEqual(range(k + 1, 10));
      expect(ack.messages.map((m: any) => m.data)).toEqual(range(k + 1, 10));
      expect(ack.messages.map((m: any) => m.id)).toEqual(refs.slice(k).map((r) => r.id));
      for (const m of ack.messages) expect(m).toEqual({ id: expect.any(String), channel: 'replay:1', seq: m.seq, event: 'e', data: m.seq, ts: expect.any(Number) });
    }
  });

  it('without since the subscription is live from head: the ack carries no messages', async () => {
    const h = await startHerald();
    for (let i = 1; i <= 3; i++) await publish(h, { channel: 'live:1', event: 'e', data: i });
    const c = await connect(h, await signToken(h, { sub: 'u', channels: ['live:*'] }));
    const ack = await c.subscribe('live:1');
    expect(ack).toMatchObject({ ok: true, channel: 'live:1', head: 3, messages: [] });
    await publish(h, { channel: 'live:1', event: 'e', data: 4 });
    await c.waitFor((m) => m.channel === 'live:1');
    expect(c.on('live:1').map((m) => m.seq)).toEqual([4]);
  });

  it('a subscribe to a channel never published to answers head 0', async () => {
    const h = await startHerald();
    const c = await connect(h, await signToken(h, { sub: 'u', channels: ['empty:*'] }));
    expect(await c.subscribe('empty:1', 0)).toMatchObject({ ok: true, channel: 'empty:1', head: 0, recovered: true, messages: [] });
  });

  it('with more than 1000 missed, the ack carries the first 1000 after since and history paging reaches head', async () => {
    const h = await startHerald();
    await publishMany(h, 'big:1', 2600);
    const c = await connect(h, await signToken(h, { sub: 'u', channels: ['big:*'] }));
    const ack = await c.subscribe('big:1', 100);
    expect(ack.ok).toBe(true);
    expect(ack.head).toBe(2600);
    expect(ack.recovered).toBe(true);
    expect(ack.messages.map((m: any) => m.seq)).toEqual(range(101, 1100));
    const seen = ack.messages.map((m: any) => m.seq) as number[];
    let since = seen[seen.length - 1]!;
    while (since < ack.head) {
      const page = await history(h, 'big:1', since, 1000);
      expect(page.messages.length).toBeGreaterThan(0);
      seen.push(...page.messages.map((m) => m.seq));
      since = page.messages[page.messages.length - 1]!.seq;
    }
    expect(seen).toEqual(range(101, 2600));
  });

  it('a live subscriber gets each message published after subscribing exactly once and in order', async () => {
    const h = await startHerald();
    const c = await connect(h, await signToken(h, { sub: 'u', channels: ['order:*'] }));
    await c.subscribe('order:1');
    const n = 300;
    // Four concurrent publishers: seqs are assigned in store order, delivery must follow seq order.
    let next = 0;
    await Promise.all(
      range(1, 4).map(async () => {
        while (next < n) {
          next++;
          await publish(h, { channel: 'order:1', event: 'e', data: null });
        }
      }),
    );
    await waitUntil(() => c.on('order:1').length >= n, 10_000, `${n} messages`);
    await publish(h, { channel: 'user:u', event: 'control', data: null });
    await c.waitFor((m) => m.event === 'control');
    expect(c.on('order:1').map((m) => m.seq)).toEqual(range(1, n));
  });

  it('subscribing while publishes are in flight: replay ∪ live is 1..n exactly once, in order (since = 0 and without since)', async () => {
    const h = await startHerald();
    const token = await signToken(h, { sub: 'u', channels: ['race:*'] });
    const replaying = await connect(h, token);
    const fromHead = await connect(h, token);
    const n = 400;
    let published = 0;
    let replayAck: any;
    let headAck: any;
    const publishers = Promise.all(
      range(1, 3).map(async () => {
        while (published < n) {
          published++;
          await publish(h, { channel: 'race:1', event: 'e', data: null });
        }
      }),
    );
    // Subscribe in the middle of the stream.
    await waitUntil(() => published >= 100, 10_000, '100 publishes');
    [replayAck, headAck] = await Promise.all([replaying.subscribe('race:1', 0), fromHead.subscribe('race:1')]);
    await publishers;
    // Control on the same channel: once it is live at both sockets, nothing of 1..n is still coming.
    await publish(h, { channel: 'race:1', event: 'control', data: null });
    await replaying.waitFor((m) => m.event === 'control', 10_000);
    await fromHead.waitFor((m) => m.event === 'control', 10_000);

    expect(replayAck.ok).toBe(true);
    const replayed = replayAck.messages.map((m: any) => m.seq) as number[];
    expect(replayed).toEqual(range(1, replayAck.head));
    const union = [...replayed, ...replaying.on('race:1').map((m) => m.seq)];
    expect(union).toEqual(range(1, n + 1));

    expect(headAck.ok).toBe(true);
    expect(headAck.messages).toEqual([]);
    expect(fromHead.on('race:1').map((m) => m.seq)).toEqual(range(headAck.head + 1, n + 1));
  });

  it('re-subscribing with since = the last seq applied resumes without gaps or duplicates', async () => {
    const h = await startHerald();
    const token = await signToken(h, { sub: 'u', channels: ['resume:*'] });
    const first = await connect(h, token);
    await first.subscribe('resume:1');
    for (let i = 1; i <= 5; i++) await publish(h, { channel: 'resume:1', event: 'e', data: i });
    await waitUntil(() => first.on('resume:1').length === 5, 5000, '5 messages');
    const cursor = first.on('resume:1').at(-1)!.seq;
    first.socket.disconnect();
    for (let i = 6; i <= 9; i++) await publish(h, { channel: 'resume:1', event: 'e', data: i });
    const second = await connect(h, token);
    const ack = await second.subscribe('resume:1', cursor);
    await publish(h, { channel: 'resume:1', event: 'e', data: 10 });
    await second.waitFor((m) => m.channel === 'resume:1');
    const applied = [...first.on('resume:1'), ...ack.messages, ...second.on('resume:1')].map((m: any) => m.data);
    expect(applied).toEqual(range(1, 10));
  });

  it('subscribing twice to the same channel does not deliver its messages twice', async () => {
    const h = await startHerald();
    const c = await connect(h, await signToken(h, { sub: 'u', channels: ['twice:*'] }));
    expect((await c.subscribe('twice:1')).ok).toBe(true);
    expect((await c.subscribe('twice:1')).ok).toBe(true);
    await publish(h, { channel: 'twice:1', event: 'once', data: null });
    await publish(h, { channel: 'user:u', event: 'control', data: null });
    await c.waitFor((m) => m.event === 'control');
    await new Promise((r) => setTimeout(r, 100));
    expect(c.events('twice:1')).toEqual(['once']);
  });

  it('an explicit subscribe with since on an inbox channel replays the gap without duplicating live traffic', async () => {
    const h = await startHerald();
    for (let i = 1; i <= 3; i++) await publish(h, { channel: 'user:u', event: 'e', data: i });
    const c = await connect(h, await signToken(h, { sub: 'u' }));
    await publish(h, { channel: 'user:u', event: 'e', data: 4 });
    await c.waitFor((m) => m.seq === 4);
    const ack = await c.subscribe('user:u', 1);
    expect(ack).toMatchObject({ ok: true, head: 4, recovered: true });
    expect(ack.messages.map((m: any) => m.seq)).toEqual([2, 3, 4]);
    await publish(h, { channel: 'user:u', event: 'e', data: 5 });
    await c.waitFor((m) => m.seq === 5);
    await new Promise((r) => setTimeout(r, 100));
    expect(c.on('user:u').map((m) => m.seq)).toEqual([4, 5]);
  });

  it('a batch publish reaches a live subscriber once per message, in seq order per channel', async () => {
    const h = await startHerald();
    const c = await connect(h, await signToken(h, { sub: 'u', channels: ['burst:*'] }));
    await c.subscribe('burst:a');
    await c.subscribe('burst:b');
    const items = range(1, 600).map((i) => ({ channels: i % 3 === 0 ? ['burst:a', 'burst:b'] : [i % 2 ? 'burst:a' : 'burst:b'], event: 'e', data: i }));
    const results = await publishBatch(h, items);
    const counts = { 'burst:a': 0, 'burst:b': 0 } as Record<string, number>;
    for (const r of results) for (const m of r.messages) counts[m.channel]!++;
    await waitUntil(() => c.on('burst:a').length >= counts['burst:a']! && c.on('burst:b').length >= counts['burst:b']!, 10_000, 'the burst');
    await publish(h, { channel: 'user:u', event: 'control', data: null });
    await c.waitFor((m) => m.event === 'control');
    expect(c.on('burst:a').map((m) => m.seq)).toEqual(range(1, counts['burst:a']!));
    expect(c.on('burst:b').map((m) => m.seq)).toEqual(range(1, counts['burst:b']!));
  });

  it('delivers over the HTTP long-polling transport too (Socket.IO fallback)', async () => {
    const h = await startHerald();
    const c = await connect(h, await signToken(h, { sub: 'poller', channels: ['poll:*'] }), ['polling']);
    expect(c.socket.io.engine.transport.name).toBe('polling');
    const ack = await c.subscribe('poll:1', 0);
    expect(ack).toMatchObject({ ok: true, head: 0 });
    await publish(h, { channel: 'poll:1', event: 'via-polling', data: null });
    await publish(h, { channel: 'user:poller', event: 'personal', data: null });
    await c.waitFor((m) => m.event === 'personal');
    expect(c.received.map((m) => m.event)).toEqual(['via-polling', 'personal']);
  });
});
