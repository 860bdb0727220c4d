/**
 * Named events: the drop-in for front ends written the usual Socket.IO way. A socket that opts in
 * with `auth: { token, events: 'named' }` receives each message as a Socket.IO event named after
 * its `event`, `socket.on('order:created', (data, { channel, seq, id, ts }) => …)`, instead of in
 * the `message` / `messages` envelopes (the second argument keeps the cursor at hand, so the
 * envelope would only double the bytes). Messages whose `event` cannot be an incoming Socket.IO
 * event, or would be mistaken for Herald's own ({@link ENVELOPE_ONLY_EVENTS}), still come in a
 * `message` envelope, in their place in the channel's order.
 *
 * The named packets of a live delivery are built once per channel delivery, on the first
 * opted-in socket that needs them, and shared by every opted-in socket like the envelope packet
 * is by the others: a socket that did not opt in never makes them built.
 */
import { ENVELOPE_ONLY_EVENTS, eventsModeSchema, HeraldError, type Message } from '@herald/protocol';
import { OutgoingPacket, PacketRun, type EncodedPacket } from './outgoing.js';

/** Events that cannot be named events: see the module's comment. */
const ENVELOPE_ONLY: ReadonlySet<string> = new Set(ENVELOPE_ONLY_EVENTS);

/**
 * Whether the handshake's `auth.events` asks for named events: `'named'`; absent or `'envelope'`
 * for the envelopes. Anything else is refused with `VALIDATION_FAILED`.
 */
export function wantsNamedEvents(events: unknown): boolean {
  const parsed = eventsModeSchema.optional().safeParse(events);
  if (!parsed.success) {
    throw new HeraldError('VALIDATION_FAILED', 'auth.events must be "envelope" (the default) or "named"', { field: 'events' });
  }
  return parsed.data === 'named';
}

/**
 * The Socket.IO packet of each message object, for as long as the object lives: a replay hands
 * every reconnecting socket the same objects (the store's tail cache), so each is encoded once.
 */
const packetOf = new WeakMap<Message, string>();

/**
 * `socket.emit(event, data, { channel, seq, id, ts })` as socket.io-parser encodes it on the
 * default namespace, or `socket.emit('message', m)` for an envelope-only event.
 */
export function namedPacket(m: Message): string {
  let text = packetOf.get(m);
  if (text === undefined) {
    text = ENVELOPE_ONLY.has(m.event)
      ? `2${JSON.stringify(['message', m])}`
      : `2${JSON.stringify([m.event, m.data, { channel: m.channel, seq: m.seq, id: m.id, ts: m.ts }])}`;
    packetOf.set(m, text);
  }
  return text;
}

/** `messages` (one channel's, in seq order) as the packets a named-events socket receives. */
export function namedPackets(messages: readonly Message[]): PacketRun {
  const packets = new Array<string>(messages.length);
  for (let i = 0; i < messages.length; i++) packets[i] = namedPacket(messages[i]!);
  return new PacketRun(packets);
}

/**
 * A live delivery of one channel's messages, encoded once for all its sockets: the envelope
 * packet (`message` / `messages`), and the named packets once an opted-in socket asks for them.
 */
export class ChannelPacket extends OutgoingPacket {
  private namedRun: PacketRun | undefined;

  constructor(
    encoded: EncodedPacket,
    private readonly messages: readonly Message[],
  ) {
    super(encoded);
  }

  /** The same messages as named events, built on first use and shared from then on. */
  get named(): PacketRun {
    this.namedRun ??= namedPackets(this.messages);
    return this.namedRun;
  }
}
