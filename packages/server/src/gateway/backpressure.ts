/**
 * Slow consumers. A socket that stops reading leaves what is written to it on the server: in its
 * TCP stream's writable buffer (the fast path of `outgoing.ts` and ws write there) and in
 * engine.io's queue (`writeBuffer`: what waits for the transport, or for the next long-poll). Past
 * `HERALD_SOCKET_BUFFER_LIMIT` bytes the socket's transport is closed at once, dropping what waits:
 * the client reconnects (a transport close, not a server kick, so socket.io-client retries) and
 * replays from its cursors, so nothing is lost, and one stalled socket cannot hold the server's
 * memory.
 *
 * Whatever is written to a stalled socket stays behind what already waits, so no notice could
 * reach it before the close: the reason is in the server's log (a warning with the code
 * `SLOW_CONSUMER`) and in `herald_slow_consumer_disconnects_total`.
 */
import type { Socket } from 'socket.io';

/** The untyped parts of engine.io's socket and ws's WebSocket read here. */
interface EngineSocket {
  readyState: string;
  writeBuffer?: unknown[];
  transport?: { name?: string; socket?: WsSocket };
  close(discard?: boolean): void;
}
interface WsSocket {
  /** ws's public count of bytes queued (its sender's and its TCP stream's). */
  bufferedAmount?: number;
  terminate?(): void;
}
/** An engine.io packet waiting in `writeBuffer`. */
interface QueuedPacket {
  data?: unknown;
  options?: { wsPreEncodedFrame?: Buffer[] };
}

/**
 * Bytes counted so far of each `writeBuffer` array: engine.io only pushes onto it and replaces it
 * by a new array when it flushes, so the count goes on from where it stopped, and is dropped with
 * the array.
 */
const counted = new WeakMap<unknown[], { items: number; bytes: number }>();

function packetBytes(p: unknown): number {
  const { data, options } = (p ?? {}) as QueuedPacket;
  const frame = options?.wsPreEncodedFrame?.[0];
  if (frame) return frame.length;
  if (typeof data === 'string') return data.length;
  if (Buffer.isBuffer(data)) return data.length;
  return 16;
}

function writeBufferBytes(buffer: unknown[] | undefined): number {
  if (!Array.isArray(buffer) || buffer.length === 0) return 0;
  let c = counted.get(buffer);
  if (!c) {
    c = { items: 0, bytes: 0 };
    counted.set(buffer, c);
  }
  for (; c.items < buffer.length; c.items++) c.bytes += packetBytes(buffer[c.items]);
  return c.bytes;
}

/** Bytes waiting on this server for `socket`: ws's queue and TCP buffer, and engine.io's queue. */
export function queuedBytes(socket: Socket): number {
  const engine = socket.conn as unknown as EngineSocket;
  const ws = engine.transport?.name === 'websocket' ? engine.transport.socket : undefined;
  const wsBytes = typeof ws?.bufferedAmount === 'number' ? ws.bufferedAmount : 0;
  return wsBytes + writeBufferBytes(engine.writeBuffer);
}

/** Sockets whose transport was closed here: their close is on its way, count them once. */
const dropped = new WeakSet<Socket>();

/**
 * Close `socket`'s transport now, dropping what waits for it (not `socket.disconnect()`, after
 * which socket.io-client does not reconnect). Answers false when it was already closed here.
 */
export function dropTransport(socket: Socket): boolean {
  if (dropped.has(socket)) return false;
  dropped.add(socket);
  const engine = socket.conn as unknown as EngineSocket;
  const ws = engine.transport?.name === 'websocket' ? engine.transport.socket : undefined;
  // ws's close() would send a close frame behind the stalled bytes and wait up to 30 s for it:
  // terminate() destroys the TCP socket, and engine.io sees its transport close.
  if (typeof ws?.terminate === 'function') ws.terminate();
  else engine.close(true);
  return true;
}

/** What the gateway does about a slow consumer. */
export interface Backpressure {
  /**
   * Close `socket`'s transport if more than the limit waits for it besides `justWritten` (the
   * bytes of the packet just written, if any): a socket is slow when what it was sent before is
   * still there, and one packet larger than the limit (a big batch) does not make it so.
   */
  check(socket: Socket, justWritten?: number): void;
}

/**
 * A `check` that closes sockets holding more than `limit` bytes (0: never) and reports each once.
 */
export function createBackpressure(limit: number, onSlowConsumer: (socket: Socket, bytes: number) => void): Backpressure {
  return {
    check(socket, justWritten = 0) {
      if (limit === 0) return;
      const bytes = queuedBytes(socket);
      if (bytes - justWritten > limit && dropTransport(socket)) onSlowConsumer(socket, bytes);
    },
  };
}
