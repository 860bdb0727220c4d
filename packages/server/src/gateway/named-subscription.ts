/**
 * The subscription of a socket that asked for named events (`auth: { token, events: 'named' }`,
 * see `named-events.ts`): the same seq bookkeeping as every subscription, with what reaches the
 * socket written as named events. A subclass, so that the sockets that did not opt in carry no
 * field and take no branch for it.
 */
import type { Message, SubscribeResult } from '@herald/protocol';
import { namedPackets, type ChannelPacket } from './named-events.js';
import { writePacket, type Outgoing } from './outgoing.js';
import { EncodedJson, subscribeAck } from './parser.js';
import { SocketSubscription } from './subscription.js';

export class NamedSocketSubscription extends SocketSubscription {
  /**
   * The replay goes out as named events ahead of the ack, and the ack's `messages` is empty: each
   * message reaches the socket once, and by the time the ack arrives the replay has been handled.
   */
  override replayAck(result: SubscribeResult): EncodedJson {
    const ack = subscribeAck({ ...result, messages: [] });
    if (result.messages.length === 0) return ack;
    const replay = namedPackets(result.messages);
    writePacket(this.socket, replay);
    // Checked with the ack (connection.ts), as a replay inside an ack is.
    return new EncodedJson(ack.json, replay.bytes);
  }

  protected override take(packet: ChannelPacket): Outgoing {
    return packet.named;
  }

  protected override send(messages: Message[]): void {
    if (messages.length === 0) return;
    // Checked before, as for envelopes: what waits from earlier writes is what makes a socket slow.
    this.deps.backpressure.check(this.socket);
    writePacket(this.socket, namedPackets(messages));
  }
}
