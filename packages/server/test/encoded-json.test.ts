/**
 * Pre-encoded acks (`src/gateway/encoded-json.ts`): the bytes written for a `subscribe` ack built
 * by Herald are exactly the ones socket.io-parser writes for the plain object, whatever the
 * messages hold, and reusing a message's JSON never hands one message's bytes to another.
 */
import type { Message, SubscribeResult } from '@herald/protocol';
import { Decoder, Encoder, PacketType } from 'socket.io-parser';
import { describe, expect, it } from 'vitest';
import { EncodedJson, HeraldEncoder, messagesJson, subscribeAck } from '../src/gateway/encoded-json.js';

const msg = (seq: number, data: unknown, channel = 'orders:1'): Message => ({
  id: `01J${String(seq).padStart(23, '0')}`,
  channel,
  seq,
  event: 'order.updated',
  data,
  ts: 1_700_000_000_000 + seq,
});

/** Awkward payloads: escapes, lone surrogates, non-BMP characters, nesting, numbers, null. */
const payloads: unknown[] = [
  null,
  { text: 'quote " backslash \\ newline \n tab \t nul \u0000 and </script>' },
  { emoji: '🚀 naïve 日本語', lone: '\ud800 x \udfff', ls: '\u2028\u2029' },
  [1, -0, 1e21, 0.1, Number.MAX_SAFE_INTEGER, true, false, null, { deep: [[[]]] }],
  'a plain string',
  12345,
  { __proto__key: { toJSON: 'not a function' }, empty: {}, list: [] },
];

const results = (): SubscribeResult[] => [
  { channel: 'orders:1', head: 0, recovered: true, messages: [] },
  { channel: 'orders:1', head: 7, recovered: false, messages: [] },
  { channel: 'user:a.b@c-d_e', head: payloads.length, recovered: true, messages: payloads.map((d, i) => msg(i + 1, d, 'user:a.b@c-d_e')) },
];

describe('pre-encoded subscribe acks', () => {
  it('write the same bytes as socket.io-parser for the same ack, on any namespace and id', () => {
    const stock = new Encoder();
    const herald = new HeraldEncoder();
    for (const result of results()) {
      for (const [nsp, id] of [['/', 0], ['/', 41], ['/admin', 7]] as const) {
        const plain = stock.encode({ type: PacketType.ACK, nsp, id, data: [{ ok: true, ...result }] });
        const built = herald.encode({ type: PacketType.ACK, nsp, id, data: [subscribeAck(result)] });
        expect(built).toEqual(plain);
      }
    }
  });

  it('decode to the ack the client would have received before', async () => {
    const herald = new HeraldEncoder();
    for (const result of results()) {
      const [encoded] = herald.encode({ type: PacketType.ACK, nsp: '/', id: 3, data: [subscribeAck(result)] });
      const decoder = new Decoder();
      const packet = await new Promise<{ data: unknown[] }>((resolve) => {
        decoder.on('decoded', resolve);
        decoder.add(encoded);
      });
      expect(packet.data).toEqual([JSON.parse(JSON.stringify({ ok: true, ...result }))]);
    }
  });

  it('reuse each message object’s JSON, and only for that object', () => {
    const a = msg(1, { n: 1 });
    const b = msg(2, { n: 2 });
    expect(messagesJson([a, b])).toBe(JSON.stringify([a, b]));
    expect(messagesJson([b])).toBe(JSON.stringify([b]));
    // An equal-looking but different object is stringified on its own.
    const a2 = msg(1, { n: 'changed' });
    expect(messagesJson([a2, b])).toBe(JSON.stringify([a2, b]));
    expect(messagesJson([])).toBe('[]');
  });

  it('leave every other packet to socket.io-parser', () => {
    const stock = new Encoder();
    const herald = new HeraldEncoder();
    const packets = [
      { type: PacketType.EVENT, nsp: '/', data: ['message', msg(1, { x: 1 })] },
      { type: PacketType.ACK, nsp: '/', id: 1, data: [{ ok: true }] },
      { type: PacketType.ACK, nsp: '/', id: 2, data: [{ ok: true }, new EncodedJson('1')] },
      { type: PacketType.EVENT, nsp: '/', data: ['bin', Buffer.from([1, 2, 3])] },
      { type: PacketType.CONNECT, nsp: '/', data: { sid: 'x' } },
    ];
    for (const p of packets) expect(herald.encode({ ...p })).toEqual(stock.encode({ ...p }));
  });
});
