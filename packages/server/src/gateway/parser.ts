/**
 * Herald's socket.io parser (socket.io's documented `parser` option): socket.io-parser's, with
 * acks whose JSON Herald built ({@link HeraldEncoder}) and a decoder that keeps less per
 * connection ({@link HeraldDecoder}).
 *
 * Acks whose JSON is built by Herald rather than by socket.io-parser's `JSON.stringify`:
 * A `subscribe` with `since` answers with up to 1,000 stored messages. When thousands of clients
 * reconnect at once after a restart, they ask for the same messages, and the tail cache hands
 * each of them the same `Message` objects. Stringifying those for every client was the largest
 * cost of a reconnect: ~76 µs for 100 messages, 14 % of the server's CPU in the catch-up
 * benchmark. Here each message object is stringified once and its JSON is reused.
 *
 * The ack goes out through socket.io as before: an {@link EncodedJson} passed to the ack function
 * is written into the packet as is by {@link HeraldEncoder}, the encoder the gateway hands
 * socket.io (its documented `parser` option). The bytes on the wire are the ones
 * `JSON.stringify` would have produced.
 */
import type { Message, SubscribeResult } from '@herald/protocol';
import { Decoder, Encoder, PacketType, type Packet } from 'socket.io-parser';

/** A value whose JSON is already built: {@link HeraldEncoder} writes `json` as is. */
export class EncodedJson {
  /**
   * @param sentBefore bytes written to the socket just before this ack as part of the same answer
   * (a replay sent as named events): the slow-consumer check counts them as just written too.
   * @default 0
   */
  constructor(
    readonly json: string,
    readonly sentBefore = 0,
  ) {}
}

/**
 * The JSON of each message object, for as long as the object lives (the tail cache keeps the
 * objects of recently read channels; a message read once and dropped takes its entry with it).
 */
const messageJson = new WeakMap<Message, string>();

/** `JSON.stringify(messages)`, reusing the JSON of message objects seen before. */
export function messagesJson(messages: readonly Message[]): string {
  let out = '[';
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    let json = messageJson.get(m);
    if (json === undefined) {
      json = JSON.stringify(m);
      messageJson.set(m, json);
    }
    out += i === 0 ? json : `,${json}`;
  }
  return `${out}]`;
}

/** The ack of a `subscribe`: `{ ok: true, ...result }`, as `JSON.stringify` would write it. */
export function subscribeAck(result: SubscribeResult): EncodedJson {
  const { channel, head, recovered, messages } = result;
  return new EncodedJson(
    `{"ok":true,"channel":${JSON.stringify(channel)},"head":${JSON.stringify(head)},` +
      `"recovered":${JSON.stringify(recovered)},"messages":${messagesJson(messages)}}`,
  );
}

/**
 * socket.io-parser's encoder, except that an ACK whose one argument is an {@link EncodedJson} is
 * written as `3[<nsp>,]<id>[<json>]`, the string `encodeAsString` would build from the value.
 */
export class HeraldEncoder extends Encoder {
  override encode(packet: Packet): ReturnType<Encoder['encode']> {
    const data: unknown = packet.data;
    if (packet.type === PacketType.ACK && Array.isArray(data) && data.length === 1 && data[0] instanceof EncodedJson) {
      const nsp = packet.nsp && packet.nsp !== '/' ? `${packet.nsp},` : '';
      const id = packet.id ?? '';
      return [`${PacketType.ACK}${nsp}${id}[${data[0].json}]`];
    }
    return super.encode(packet);
  }
}

/** socket.io-parser's default decoder options, as its constructor builds them: one object for every decoder. */
const DEFAULT_DECODER_OPTS = Object.freeze({ reviver: undefined, maxAttachments: 10 });

interface DecoderInternals {
  opts?: { reviver?: unknown; maxAttachments?: unknown };
  _callbacks?: Record<string, unknown>;
}

/**
 * socket.io-parser's decoder, slimmer per connection (socket.io makes one per client, for the
 * connection's life): ~0.17 KiB less. It shares one frozen copy of the default options (the decoder
 * only reads them), and keeps its listener list at the size it has: socket.io adds its one
 * `decoded` listener by pushing onto an empty array, which V8 grows to 17 slots.
 * (`opts` and `_callbacks`, of socket.io-parser and component-emitter, are only replaced when they
 * have the expected form.)
 */
export class HeraldDecoder extends Decoder {
  constructor(opts?: ConstructorParameters<typeof Decoder>[0]) {
    super(opts);
    const internals = this as unknown as DecoderInternals;
    const own = internals.opts;
    if (opts === undefined && own && Object.keys(own).length === 2 && own.reviver === undefined && own.maxAttachments === 10) {
      internals.opts = DEFAULT_DECODER_OPTS;
    }
  }

  override on(event: string, listener: (...args: any[]) => void): this {
    super.on(event as 'decoded', listener);
    const callbacks = (this as unknown as DecoderInternals)._callbacks;
    const list = callbacks?.[`$${event}`];
    if (Array.isArray(list)) callbacks![`$${event}`] = list.slice();
    return this;
  }
}

/**
 * Whether {@link HeraldDecoder}'s trims take effect on the installed socket.io-parser: the shared
 * options, and a listener list it can replace (`patches.ts` asks this at start).
 */
export function leanDecoderActive(): boolean {
  const decoder = new HeraldDecoder();
  const listener = () => {};
  decoder.on('decoded', listener);
  const internals = decoder as unknown as DecoderInternals;
  const list = internals._callbacks?.['$decoded'];
  return internals.opts === DEFAULT_DECODER_OPTS && Array.isArray(list) && list.length === 1 && list[0] === listener;
}

/** What socket.io's `parser` option takes: Herald's encoder and decoder. */
export const heraldParser = { Encoder: HeraldEncoder, Decoder: HeraldDecoder };
