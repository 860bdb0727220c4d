/**
 * Writing one packet to many sockets. A broadcast is encoded once as a Socket.IO packet and, for
 * WebSocket transports, once more as the complete WebSocket frame; each socket then gets the same
 * bytes.
 *
 * The fast path hands the frame straight to the socket's TCP stream when nothing of that socket
 * is queued in engine.io or ws. Everything written earlier is then already in the stream, so the
 * order on the wire is the order of the writes. Otherwise the packet goes through engine.io's
 * queue, which keeps the order behind what waits there. engine.io's WebSocket transport also
 * sends a prebuilt frame as is (`wsPreEncodedFrame`, what socket.io's own broadcast uses).
 *
 * The fast path reads a few fields of engine.io's and ws's objects that are not typed. Each is
 * checked before use, and any surprise takes the queued path.
 */
import type { Encoder } from 'socket.io-parser';
import type { Socket } from 'socket.io';

/** A packet encoded once for every socket of a channel (socket.io-parser's output). */
export type EncodedPacket = ReturnType<Encoder['encode']>;

/** One packet for many sockets: its Socket.IO encoding and its WebSocket frame, built once. */
export class OutgoingPacket {
  private frameBytes: Buffer | null | undefined;

  constructor(readonly encoded: EncodedPacket) {}

  /** About the bytes one write of this packet puts on a socket's queue. */
  get bytes(): number {
    const frame = this.frame;
    if (frame) return frame.length;
    let n = 0;
    for (const part of this.encoded) n += typeof part === 'string' ? part.length : (part as { byteLength?: number }).byteLength ?? 0;
    return n;
  }

  /** The unmasked text frame carrying engine.io's message packet ("4" + the Socket.IO packet). */
  get frame(): Buffer | null {
    if (this.frameBytes === undefined) {
      const [only, ...rest] = this.encoded;
      this.frameBytes = typeof only === 'string' && rest.length === 0 ? textFrame(`4${only}`) : null;
    }
    return this.frameBytes;
  }
}

/** A server-to-client WebSocket text frame (RFC 6455 §5.2): FIN, opcode 1, no mask. */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81;
  if (header === 2) {
    frame[1] = length;
  } else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.write(text, header, 'utf8');
  return frame;
}

/** The untyped parts of engine.io's socket and ws's WebSocket the fast path looks at. */
interface EngineSocket {
  readyState: string;
  writeBuffer: unknown[];
  transport: { name: string; socket?: WsSocket };
}
interface WsSocket {
  readyState: number;
  _sender?: { _state?: number; _queue?: unknown[] };
  _socket?: { write(chunk: Buffer): boolean; writable: boolean };
}
interface EngineWriter {
  writeToEngine(packets: EncodedPacket, opts: { preEncoded: true; wsPreEncodedFrame?: Buffer[] }): void;
}

const WS_OPEN = 1;
/** ws's `Sender` state when it is not holding frames back (compressing, reading a Blob). */
const SENDER_IDLE = 0;

/**
 * The TCP stream a frame for `socket` may be written to directly: there when the socket is on an
 * open WebSocket and nothing of it waits in engine.io or ws.
 */
function directStream(socket: Socket): { write(chunk: Buffer): boolean } | undefined {
  const engine = socket.conn as unknown as EngineSocket;
  const ws = engine.transport.name === 'websocket' ? engine.transport.socket : undefined;
  if (
    engine.readyState === 'open' &&
    engine.writeBuffer.length === 0 &&
    ws?.readyState === WS_OPEN &&
    ws._sender?._state === SENDER_IDLE &&
    ws._sender._queue?.length === 0 &&
    ws._socket?.writable === true
  ) {
    return ws._socket;
  }
  return undefined;
}

/**
 * Whether the fast path is open to an idle WebSocket socket (every field it reads is where it
 * expects): `patches.ts` asks this of its probe connection at start.
 */
export function fastPathOpen(socket: Socket): boolean {
  return directStream(socket) !== undefined;
}

/**
 * Write `packet` to `socket`, after everything written to it before. Answers whether bytes may be
 * piling up for the socket (its TCP stream is past its high-water mark, or the packet was queued
 * in engine.io): then the caller checks the socket's backlog (`backpressure.ts`).
 */
export function writePacket(socket: Socket, packet: OutgoingPacket): boolean {
  const frame = packet.frame;
  if (frame) {
    const stream = directStream(socket);
    if (stream) return !stream.write(frame);
  }
  const opts = frame ? { preEncoded: true as const, wsPreEncodedFrame: [frame] } : { preEncoded: true as const };
  (socket.client as unknown as EngineWriter).writeToEngine(packet.encoded, opts);
  return true;
}
