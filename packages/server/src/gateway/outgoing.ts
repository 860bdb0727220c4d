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

/** What is written to a socket by {@link writePacket}: built once, written as is to many sockets. */
export interface Outgoing {
  /** About the bytes one write of it puts on a socket's queue. */
  readonly bytes: number;
  /** All of it as WebSocket frames in one buffer, for the fast path (null: no prebuilt frame). */
  readonly frame: Buffer | null;
  /** Write it through engine.io's queue instead, behind what waits there. */
  enqueue(writer: EngineWriter): void;
}

/** One packet for many sockets: its Socket.IO encoding and its WebSocket frame, built once. */
export class OutgoingPacket implements Outgoing {
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

  enqueue(writer: EngineWriter): void {
    const frame = this.frame;
    writer.writeToEngine(this.encoded, frame ? { preEncoded: true, wsPreEncodedFrame: [frame] } : { preEncoded: true });
  }
}

/**
 * Several Socket.IO packets (each as socket.io-parser's encoder writes it, `2[…]`) written back to
 * back: on the fast path as one buffer of their WebSocket frames, one write per socket; through
 * engine.io's queue as that many engine.io packets, each carrying its own frame (a view of the
 * buffer), so a long-polling client gets them as separate packets too.
 */
export class PacketRun implements Outgoing {
  private frameBytes: Buffer | undefined;
  /** Where each packet's frame ends in `frameBytes`. */
  private ends: number[] | undefined;

  constructor(readonly packets: readonly string[]) {}

  get bytes(): number {
    return this.frame.length;
  }

  get frame(): Buffer {
    if (this.frameBytes === undefined) {
      const n = this.packets.length;
      const lengths = new Array<number>(n);
      let total = 0;
      for (let i = 0; i < n; i++) {
        // engine.io's message packet: "4" + the Socket.IO packet.
        const length = 1 + Buffer.byteLength(this.packets[i]!);
        lengths[i] = length;
        total += headerSize(length) + length;
      }
      const frame = Buffer.allocUnsafe(total);
      const ends = new Array<number>(n);
      let at = 0;
      for (let i = 0; i < n; i++) {
        at = writeHeader(frame, at, lengths[i]!);
        frame[at++] = 0x34; // "4"
        at += frame.write(this.packets[i]!, at, 'utf8');
        ends[i] = at;
      }
      this.frameBytes = frame;
      this.ends = ends;
    }
    return this.frameBytes;
  }

  enqueue(writer: EngineWriter): void {
    const frame = this.frame;
    let start = 0;
    for (let i = 0; i < this.packets.length; i++) {
      const end = this.ends![i]!;
      writer.writeToEngine([this.packets[i]!], { preEncoded: true, wsPreEncodedFrame: [frame.subarray(start, end)] });
      start = end;
    }
  }
}

const headerSize = (length: number) => (length < 126 ? 2 : length < 65_536 ? 4 : 10);

/** Write the header of a text frame of `length` bytes at `at`; answers where its payload starts. */
function writeHeader(frame: Buffer, at: number, length: number): number {
  frame[at] = 0x81;
  if (length < 126) {
    frame[at + 1] = length;
    return at + 2;
  }
  if (length < 65_536) {
    frame[at + 1] = 126;
    frame.writeUInt16BE(length, at + 2);
    return at + 4;
  }
  frame[at + 1] = 127;
  frame.writeBigUInt64BE(BigInt(length), at + 2);
  return at + 10;
}

/** A server-to-client WebSocket text frame (RFC 6455 §5.2): FIN, opcode 1, no mask. */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const frame = Buffer.allocUnsafe(headerSize(length) + length);
  frame.write(text, writeHeader(frame, 0, length), 'utf8');
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
/** socket.io's `Client`, as {@link Outgoing.enqueue} writes to it. */
export interface EngineWriter {
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
export function writePacket(socket: Socket, packet: Outgoing): boolean {
  const frame = packet.frame;
  if (frame) {
    const stream = directStream(socket);
    if (stream) return !stream.write(frame);
  }
  packet.enqueue(socket.client as unknown as EngineWriter);
  return true;
}
