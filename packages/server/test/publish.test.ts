/**
 * Publishing over HTTP (SPEC §2, §4): durable contiguous `seq` per channel under concurrency,
 * multi-channel publishes, batches validated item by item, and idempotency keys.
 */
import { describe, expect, it } from 'vitest';
import {
  connect,
  fullHistory,
  history,
  publish,
  publishBatch,
  range,
  request,
  signToken,
  startHerald,
  type Ref,
} from './helpers.js';

describe('POST /v1/publish', () => {
  it('answers { messages: [{ channel, seq, id }] } and stores the message with that seq, id, event and data', async () => {
    const h = await startHerald();
    const before = Date.now();
    const refs = await publish(h, { channel: 'orders:1', event: 'order:created', data: { id: 7, items: ['soup'] } });
    expect(refs).toHaveLength(1);
    expect(refs[0]).toEqual({ channel: 'orders:1', seq: 1, id: expect.any(String) });
    const { messages, head } = await history(h, 'orders:1');
    expect(head).toBe(1);
    expect(messages).toEqual([
      { id: refs[0]!.id, channel: 'orders:1', seq: 1, event: 'order:created', data: { id: 7, items: ['soup'] }, ts: expect.any(Number) },
    ]);
    expect(messages[0]!.ts).toBeGreaterThanOrEqual(before - 1000);
    expect(messages[0]!.ts).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('stores and returns every kind of JSON data intact', async () => {
    const h = await startHerald();
    const values = [null, 0, -1.5, 'text with "quotes" and é', true, [], {}, { nested: { a: [1, { b: null }] } }];
    for (const data of values) await publish(h, { channel: 'kinds', event: 'kind', data });
    const { messages } = await history(h, 'kinds');
    expect(messages.map((m) => m.data)).toEqual(values);
  });

  it('stores one message per channel of `channels`, each with its own seq, answered in the given order', async () => {
    const h = await startHerald();
    await publish(h, { channel: 'multi:b', event: 'warm', data: 1 });
    const refs = await publish(h, { channels: ['multi:a', 'multi:b', 'multi:c'], event: 'fan', data: { x: 1 } });
    expect(refs.map((r) => [r.channel, r.seq])).toEqual([
      ['multi:a', 1],
      ['multi:b', 2],
      ['multi:c', 1],
    ]);
    expect(new Set(refs.map((r) => r.id)).size).toBe(3);
    for (const ref of refs) {
      const { messages } = await history(h, ref.channel, ref.seq - 1, 10);
      expect(messages).toEqual([{ id: ref.id, channel: ref.channel, seq: ref.seq, event: 'fan', data: { x: 1 }, ts: expect.any(Number) }]);
    }
  });

  it('keeps seq contiguous per channel with 50 concurrent publishers on two channels (1..1000 each, ids unique)', async () => {
    const h = await startHerald();
    const publishers = 50;
    const perPublisher = 20;
    const refs: Ref[] = [];
    await Promise.all(
      range(1, publishers).map(async (p) => {
        for (let i = 1; i <= perPublisher; i++) {
          const [a, b] = await Promise.all([
            publish(h, { channel: 'load:a', event: 'load', data: { p, i } }),
            publish(h, { channel: 'load:b', event: 'load', data: { p, i } }),
          ]);
          refs.push(...a!, ...b!);
        }
      }),
    );
    const total = publishers * perPublisher;
    for (const channel of ['load:a', 'load:b']) {
      const answered = refs.filter((r) => r.channel === channel).map((r) => r.seq);
      expect(answered.sort((x, y) => x - y)).toEqual(range(1, total));
      const { messages, head } = await fullHistory(h, channel);
      expect(head).toBe(total);
      expect(messages.map((m) => m.seq)).toEqual(range(1, total));
      // Every publish is stored exactly once: each (publisher, iteration) pair appears once.
      const pairs = new Set(messages.map((m) => JSON.stringify(m.data)));
      expect(pairs.size).toBe(total);
      // The id a publish was answered with is the id stored at that seq.
      const bySeq = new Map(messages.map((m) => [m.seq, m.id]));
      for (const r of refs.filter((x) => x.channel === channel)) expect(bySeq.get(r.seq)).toBe(r.id);
    }
    expect(new Set(refs.map((r) => r.id)).size).toBe(2 * total);
  });

  it('delivers the stored message to a live subscriber with the same id, seq, event, data and ts', async () => {
    const h = await startHerald();
    const client = await connect(h, await signToken(h, { sub: 'u1', channels: ['shape:1'] }));
    expect((await client.subscribe('shape:1')).ok).toBe(true);
    const [ref] = await publish(h, { channel: 'shape:1', event: 'thing:done', data: { ok: true } });
    const got = await client.waitFor((m) => m.channel === 'shape:1');
    const [stored] = (await history(h, 'shape:1')).messages;
    expect(got).toEqual(stored);
    expect(got).toEqual({ id: ref!.id, channel: 'shape:1', seq: 1, event: 'thing:done', data: { ok: true }, ts: expect.any(Number) });
  });
});

describe('POST /v1/publish/batch', () => {
  it('answers one result per item, in order, with contiguous seqs', async () => {
    const h = await startHerald();
    const results = await publishBatch(h, [
      { channel: 'batch:1', event: 'e', data: 1 },
      { channel: 'batch:2', event: 'e', data: 2 },
      { channel: 'batch:1', event: 'e', data: 3 },
      { channels: ['batch:1', 'batch:2'], event: 'e', data: 4 },
    ]);
    expect(results.map((r) => r.messages.map((m: Ref) => [m.channel, m.seq]))).toEqual([
      [['batch:1', 1]],
      [['batch:2', 1]],
      [['batch:1', 2]],
      [
        ['batch:1', 3],
        ['batch:2', 2],
      ],
    ]);
    expect((await history(h, 'batch:1')).messages.map((m) => m.data)).toEqual([1, 3, 4]);
    expect((await history(h, 'batch:2')).messages.map((m) => m.data)).toEqual([2, 4]);
  });

  it('validates items independently: a bad item gets a coded error, the good ones are stored', async () => {
    const h = await startHerald();
    const results = await publishBatch(h, [
      { channel: 'mixed', event: 'e', data: 'first' },
      { channel: 'bad channel', event: 'e', data: 'x' },
      { channel: 'mixed', event: 'notification:new', data: 'reserved' },
      { channel: 'mixed', event: 'e', data: 'x'.repeat(70_000) },
      'not an object',
      { channel: 'mixed', event: 'e', data: 'second', extra: true },
      { channel: 'mixed', event: 'e', data: 'third' },
    ]);
    expect(results).toHaveLength(7);
    expect(results[0]).toEqual({ messages: [{ channel: 'mixed', seq: 1, id: expect.any(String) }] });
    expect(results[1].error.code).toBe('VALIDATION_FAILED');
    expect(results[2].error.code).toBe('VALIDATION_FAILED');
    expect(results[3].error.code).toBe('DATA_TOO_LARGE');
    expect(results[4].error.code).toBe('VALIDATION_FAILED');
    expect(results[5].error.code).toBe('VALIDATION_FAILED');
    expect(results[6]).toEqual({ messages: [{ channel: 'mixed', seq: 2, id: expect.any(String) }] });
    for (const r of results.slice(1, 6)) {
      expect(r.messages).toBeUndefined();
      expect(typeof r.error.message).toBe('string');
    }
    const { messages, head } = await history(h, 'mixed');
    expect(head).toBe(2);
    expect(messages.map((m) => m.data)).toEqual(['first', 'third']);
  });

  it('accepts exactly 1000 items and refuses 1001 with 413 BATCH_TOO_LARGE, storing none of them', async () => {
    const h = await startHerald();
    const items = (n: number, channel: string) => Array.from({ length: n }, (_, i) => ({ channel, event: 'e', data: i }));
    const ok = await publishBatch(h, items(1000, 'full'));
    expect(ok).toHaveLength(1000);
    expect(ok[999].messages[0].seq).toBe(1000);
    const tooMany = await request(h, 'POST', '/v1/publish/batch', { items: items(1001, 'over') });
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.error.code).toBe('BATCH_TOO_LARGE');
    expect((await history(h, 'over')).head).toBe(0);
  });
});

describe('idempotency keys', () => {
  it('a repeated key answers the original { channel, seq, id } and stores one message', async () => {
    const h = await startHerald();
    const body = { channel: 'idem:1', event: 'pay', data: { amount: 5 }, idempotencyKey: 'pay-123' };
    const first = await publish(h, body);
    const second = await publish(h, body);
    const third = await publish(h, body);
    expect(second).toEqual(first);
    expect(third).toEqual(first);
    const { messages, head } = await history(h, 'idem:1');
    expect(head).toBe(1);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.id).toBe(first[0]!.id);
  });

  it('a repeated key is not delivered again to subscribers', async () => {
    const h = await startHerald();
    const client = await connect(h, await signToken(h, { sub: 'u1', channels: ['idem:live'] }));
    expect((await client.subscribe('idem:live')).ok).toBe(true);
    const body = { channel: 'idem:live', event: 'pay', data: 1, idempotencyKey: 'k-live' };
    await publish(h, body);
    await publish(h, body);
    await publish(h, { channel: 'idem:live', event: 'after', data: 2 });
    await client.waitFor((m) => m.event === 'after');
    expect(client.on('idem:live').map((m) => [m.seq, m.event])).toEqual([
      [1, 'pay'],
      [2, 'after'],
    ]);
  });

  it('the same key with a different body answers 409 IDEMPOTENCY_CONFLICT and stores nothing', async () => {
    const h = await startHerald();
    await publish(h, { channel: 'idem:2', event: 'pay', data: { amount: 5 }, idempotencyKey: 'same-key' });
    for (const changed of [
      { channel: 'idem:2', event: 'pay', data: { amount: 6 }, idempotencyKey: 'same-key' },
      { channel: 'idem:2', event: 'refund', data: { amount: 5 }, idempotencyKey: 'same-key' },
      { channel: 'idem:other', event: 'pay', data: { amount: 5 }, idempotencyKey: 'same-key' },
    ]) {
      const res = await request(h, 'POST', '/v1/publish', changed);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('IDEMPOTENCY_CONFLICT');
    }
    expect((await history(h, 'idem:2')).head).toBe(1);
    expect((await history(h, 'idem:other')).head).toBe(0);
  });

  it('works inside a batch: a repeat answers the original refs, a conflict is that item\'s error', async () => {
    const h = await startHerald();
    const first = await publishBatch(h, [{ channel: 'idem:b', event: 'e', data: 1, idempotencyKey: 'b-1' }]);
    const again = await publishBatch(h, [
      { channel: 'idem:b', event: 'e', data: 1, idempotencyKey: 'b-1' },
      { channel: 'idem:b', event: 'e', data: 2, idempotencyKey: 'b-1' },
      { channel: 'idem:b', event: 'e', data: 3, idempotencyKey: 'b-2' },
    ]);
    expect(again[0]).toEqual(first[0]);
    expect(again[1].error.code).toBe('IDEMPOTENCY_CONFLICT');
    expect(again[2]).toEqual({ messages: [{ channel: 'idem:b', seq: 2, id: expect.any(String) }] });
    // A key used in a batch also holds for a single publish.
    expect(await publish(h, { channel: 'idem:b', event: 'e', data: 3, idempotencyKey: 'b-2' })).toEqual(again[2].messages);
    const { messages } = await history(h, 'idem:b');
    expect(messages.map((m) => m.data)).toEqual([1, 3]);
  });

  it('the same key repeated within one batch is stored once', async () => {
    const h = await startHerald();
    const results = await publishBatch(h, [
      { channel: 'idem:c', event: 'e', data: 1, idempotencyKey: 'c-1' },
      { channel: 'idem:c', event: 'e', data: 1, idempotencyKey: 'c-1' },
    ]);
    expect(results[1]).toEqual(results[0]);
    expect((await history(h, 'idem:c')).head).toBe(1);
  });

  it('concurrent publishes with one key store one message and all answer the same ref', async () => {
    const h = await startHerald();
    const body = { channel: 'idem:race', event: 'e', data: 'once', idempotencyKey: 'race' };
    const answers = await Promise.all(range(1, 20).map(() => publish(h, body)));
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect((await history(h, 'idem:race')).head).toBe(1);
  });
});
