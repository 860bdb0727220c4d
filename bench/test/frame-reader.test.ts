/**
 * The load generator's frame reader (`bench/lib/frame-reader.ts`): every frame comes out whole and
 * in order however the stream is cut into chunks, in each length form, fragmented or not, and
 * what a server must never send is refused.
 */
import { describe, expect, it } from 'vitest';
import { FrameReader, OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_TEXT } from '../lib/frame-reader.js';

/** An unmasked frame, as a server writes it. */
function frame(opcode: number, payload: Buffer, fin = true): Buffer {
  const n = payload.length;
  const header = n < 126 ? Buffer.from([0, n]) : n < 65_536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (n >= 126 && n < 65_536) (header[1] = 126), header.writeUInt16BE(n, 2);
  if (n >= 65_536) (header[1] = 127), header.writeBigUInt64BE(BigInt(n), 2);
  header[0] = (fin ? 0x80 : 0) | opcode;
  return Buffer.concat([header, payload]);
}

const text = (n: number, c = 'x') => Buffer.from(c.repeat(n));

function readAll(stream: Buffer, cuts: number[]): [number, string][] {
  const out: [number, string][] = [];
  const reader = new FrameReader((opcode, payload) => out.push([opcode, payload.toString('latin1')]));
  let at = 0;
  for (const cut of [...cuts, stream.length]) {
    reader.push(stream.subarray(at, cut));
    at = cut;
  }
  return out;
}

describe('load generator frame reader', () => {
  const frames = [
    frame(OP_TEXT, text(0)),
    frame(OP_TEXT, text(125, 'a')),
    frame(OP_TEXT, text(126, 'b')),
    frame(OP_BINARY, text(65_535, 'c')),
    frame(OP_TEXT, text(65_536, 'd')),
    frame(OP_PING, text(4, 'p')),
    frame(OP_TEXT, text(10, 'e'), false),
    frame(OP_PING, text(2, 'q')), // a control frame between fragments
    frame(OP_CONTINUATION, text(200, 'f'), false),
    frame(OP_CONTINUATION, text(3, 'g')),
    frame(OP_TEXT, Buffer.from('42["message",{"seq":1}]')),
    frame(OP_CLOSE, Buffer.from([0x03, 0xe8])),
  ];
  const stream = Buffer.concat(frames);
  const expected: [number, string][] = [
    [OP_TEXT, ''],
    [OP_TEXT, 'a'.repeat(125)],
    [OP_TEXT, 'b'.repeat(126)],
    [OP_BINARY, 'c'.repeat(65_535)],
    [OP_TEXT, 'd'.repeat(65_536)],
    [OP_PING, 'pppp'],
    [OP_PING, 'qq'],
    [OP_TEXT, 'e'.repeat(10) + 'f'.repeat(200) + 'ggg'],
    [OP_TEXT, '42["message",{"seq":1}]'],
    [OP_CLOSE, '\u0003\u00e8'],
  ];

  it('reads the frames whole and in order in one chunk, cut at every header byte, and cut at random', () => {
    expect(readAll(stream, [])).toEqual(expected);
    // Every cut within the first 300 bytes and around each frame boundary.
    let boundary = 0;
    const cuts = new Set<number>();
    for (let i = 1; i < 300; i++) cuts.add(i);
    for (const f of frames) {
      for (let d = -3; d <= 11; d++) if (boundary + d > 0 && boundary + d < stream.length) cuts.add(boundary + d);
      boundary += f.length;
    }
    for (const cut of cuts) expect(readAll(stream, [cut]), `cut at ${cut}`).toEqual(expected);
    let seed = 7;
    for (let run = 0; run < 50; run++) {
      const random: number[] = [];
      for (let at = 0; ; ) {
        seed = (seed * 1_103_515_245 + 12_345) >>> 0;
        at += 1 + (seed % 5000);
        if (at >= stream.length) break;
        random.push(at);
      }
      expect(readAll(stream, random), `run ${run}`).toEqual(expected);
    }
  });

  it('refuses masked frames, reserved bits and stray continuations', () => {
    const masked = frame(OP_TEXT, text(3));
    masked[1]! |= 0x80;
    expect(() => readAll(Buffer.concat([masked, Buffer.alloc(4)]), [])).toThrow(/masked/);
    const rsv = frame(OP_TEXT, text(3));
    rsv[0]! |= 0x40;
    expect(() => readAll(rsv, [])).toThrow(/reserved/);
    expect(() => readAll(frame(OP_CONTINUATION, text(3)), [])).toThrow(/continuation/);
    expect(() => readAll(Buffer.concat([frame(OP_TEXT, text(3), false), frame(OP_TEXT, text(3))]), [])).toThrow(/inside/);
  });
});
