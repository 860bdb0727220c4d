/**
 * Two per-socket allocations of socket.io that a Herald socket does not need, each ~0.15 KiB per
 * idle connection. Both set a socket.io internal field; each is guarded so that a release which
 * renames the field leaves the memory in place rather than breaking a socket.
 */
import type { Socket } from 'socket.io';

/**
 * socket.io's `acks`: the callbacks of events the server sends with an ack, by packet id. Herald
 * never does (nothing of it may: `set` throws), so every socket shares one empty map; a stray ACK
 * packet from a client finds nothing, as it would in its own map.
 */
class NoAcks extends Map<number, never> {
  override set(): this {
    throw new Error('Herald sends no events with an ack to clients (the socket has no ack map)');
  }
}
const NO_ACKS = new NoAcks();

interface SocketInternals {
  acks?: unknown;
  _anyListeners?: unknown[];
}

/**
 * Share `acks`, and give `socket` its one any-event listener in an array of one. Answers whether
 * both trims took effect (the listener is in place either way).
 */
export function leanSocket(socket: Socket, onAnyEvent: (...args: unknown[]) => void): boolean {
  const internals = socket as unknown as SocketInternals;
  let trimmed = 0;
  if (internals.acks instanceof Map && internals.acks.size === 0) {
    internals.acks = NO_ACKS;
    trimmed++;
  }
  // `onAny` pushes onto `[]`, and V8 grows an empty array to 17 slots on the first push.
  if (internals._anyListeners === undefined) internals._anyListeners = [onAnyEvent];
  // Guard: should the field not be the one socket.io reads, add the listener the public way.
  if (socket.listenersAny().includes(onAnyEvent)) trimmed++;
  else socket.onAny(onAnyEvent);
  return trimmed === 2;
}
