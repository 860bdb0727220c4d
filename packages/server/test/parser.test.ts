/**
 * Pre-encoded acks (`src/gateway/parser.ts`): the bytes written for a `subscribe` ack built
 * by Herald are exactly the ones socket.io-parser writes for the plain object, whatever the
 * messages hold, and reusing a message's JSON never hands one message's bytes to another. Herald's
 * decoder decodes what socket.io-parser's does and hands it to the same listeners.
 */
import type { Json, Message, SubscribeResult } from '@herald/protocol';
import { Decoder, Encoder, PacketType, type Packet } from 'socket.io-parser';
import { describe, expect, it } from 'vitest';
import { EncodedJson, HeraldDecoder, HeraldEncoder, messagesJson, subscribeAck } from '../src/gateway/parser.js';

const msg = (seq: number, data: Json, channel = 'orders:1'): Message => ({
  id: `01J${String(seq).padStart(23, '0')}`,
  channel,
  seq,
  event: 'order.updated',
  data,
  ts: 1_700_000_000_000 + seq,
});

/** Awkward payloads: escapes, lone surrogates, non-BMP characters, nesting, numbers, null. */
const payloads: Json[] = [
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
      const packet = await new Promise<Packet>((resolve) => {
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

describe('HeraldDecoder', () => {
  it('decodes text and binary packets like socket.io-parser, to every listener until removed', () => {
    const encoder = new Encoder();
    const packets = [
      { type: PacketType.EVENT, nsp: '/', data: ['subscribe', { channel: 'orders:1', since: 3 }], id: 7 },
      { type: PacketType.EVENT, nsp: '/', data: ['upload', Buffer.from([1, 2, 3])] },
      { type: PacketType.CONNECT, nsp: '/', data: { token: 't' } },
    ];
    const decode = (decoder: Decoder, seen: unknown[][]) => {
      for (const p of packets) for (const part of encoder.encode(p)) decoder.add(part);
      return seen;
    };
    const plain: unknown[][] = [[]];
    const stock = new Decoder();
    stock.on('decoded', (p: unknown) => plain[0]!.push(p));
    decode(stock, plain);

    const seen: unknown[][] = [[], []];
    const herald = new HeraldDecoder();
    const first = (p: unknown) => seen[0]!.push(p);
    herald.on('decoded', first);
    herald.on('decoded', (p: unknown) => seen[1]!.push(p));
    decode(herald, seen);
    expect(seen[0]).toEqual(plain[0]);
    expect(seen[1]).toEqual(plain[0]);

    herald.removeListener('decoded', first);
    decode(herald, seen);
    expect(seen[0]).toHaveLength(packets.length);
    expect(seen[1]).toHaveLength(2 * packets.length);
    expect(() => herald.add('2["x",')).toThrow();
    herald.destroy();
  });
});
