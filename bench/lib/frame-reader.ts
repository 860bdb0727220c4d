/**
 * The load generator's receive path: server → client WebSocket frames (RFC 6455 §5.2, unmasked)
 * read straight from the socket's chunks.
 *
 * Connections are opened and written by `ws` as before; only reading is taken over once the
 * connection is open. ws's `Receiver` is a Writable stream with an event per frame, and in the
 * load generator's profile it was about a quarter of the CPU per delivery: on this 2-core machine
 * the load generator shares the CPU with the server under test, so what it spends is taken from
 * every server's figures alike. This reader does what a benchmark client needs and no more:
 * frames split over chunks or several in one chunk, the three length forms, fragmented messages,
 * control frames handed on. It refuses what a server must never send (masked frames, reserved bits
 * without an extension, 64-bit lengths past 2^53).
 */
import type { Socket } from 'node:net';
import type WebSocket from 'ws';

export const OP_CONTINUATION = 0x0;
export const OP_TEXT = 0x1;
export const OP_BINARY = 0x2;
export const OP_CLOSE = 0x8;
export const OP_PING = 0x9;

export type OnFrame = (opcode: number, payload: Buffer) => void;

export class FrameReader {
  /** Bytes of a frame not yet whole. */
  private rest: Buffer | null = null;
  /** A fragmented message so far: its opcode and parts. */
  private fragments: { opcode: number; parts: Buffer[] } | null = null;

  constructor(private readonly onFrame: OnFrame) {}

  push(chunk: Buffer): void {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = null;
    let at = 0;
    for (;;) {
      const left = buf.length - at;
      if (left < 2) break;
      const b0 = buf[at]!;
      const b1 = buf[at + 1]!;
      if ((b1 & 0x80) !== 0) throw new Error('a server frame must not be masked');
      if ((b0 & 0x70) !== 0) throw new Error('reserved bits set without an extension');
      let length = b1 & 0x7f;
      let header = 2;
      if (length === 126) {
        if (left < 4) break;
        length = buf.readUInt16BE(at + 2);
        header = 4;
      } else if (length === 127) {
        if (left < 10) break;
        const high = buf.readUInt32BE(at + 2);
        if (high > 0x1f_ffff) throw new Error('frame length past 2^53');
        length = high * 2 ** 32 + buf.readUInt32BE(at + 6);
        header = 10;
      }
      if (left < header + length) break;
      const payload = buf.subarray(at + header, at + header + length);
      at += header + length;
      this.frame((b0 & 0x80) !== 0, b0 & 0x0f, payload);
    }
    if (at < buf.length) this.rest = buf.subarray(at);
  }

  private frame(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode >= OP_CLOSE) {
      this.onFrame(opcode, payload); // control frames are never fragmented
      return;
    }
    if (opcode !== OP_CONTINUATION) {
      if (this.fragments) throw new Error('a new message inside a fragmented one');
      if (fin) {
        this.onFrame(opcode, payload);
        return;
      }
      this.fragments = { opcode, parts: [payload] };
      return;
    }
    if (!this.fragments) throw new Error('a continuation frame without a message');
    this.fragments.parts.push(payload);
    if (!fin) return;
    const { opcode: first, parts } = this.fragments;
    this.fragments = null;
    this.onFrame(first, Buffer.concat(parts));
  }
}

/**
 * Read `ws`'s incoming frames with a {@link FrameReader} from now on. Call it from the `open`
 * event, before any frame was read. Returns false (and changes nothing) when ws's socket does not
 * have the one `data` listener expected, so the caller keeps ws's own `message` events.
 */
export function readFramesDirectly(ws: WebSocket, onFrame: OnFrame): boolean {
  const socket = (ws as unknown as { _socket?: Socket })._socket;
  const own = socket?.listeners('data');
  if (!socket || own?.length !== 1) return false;
  socket.removeListener('data', own[0] as (chunk: Buffer) => void);
  const reader = new FrameReader(onFrame);
  socket.on('data', (chunk: Buffer) => {
    try {
      reader.push(chunk);
    } catch {
      socket.destroy(); // a protocol error: the connection ends, as ws would end it
    }
  });
  return true;
}
