/**
 * The benchmark payload and how receivers read it back without parsing JSON.
 *
 * Every published message carries a mark `~T<ns>~I<index>~` inside its `data`: `<ns>` is the
 * publisher's `process.hrtime.bigint()` (CLOCK_MONOTONIC, comparable across processes on Linux)
 * and `<index>` numbers the message within the run. The mark has no quote or backslash, so it looks
 * the same in a Socket.IO packet, a raw frame and a Pusher event whose `data` is a JSON string;
 * receivers find it with `Buffer.indexOf` and read digits, which keeps the load generator cheap.
 */

/** A realistic notification body (≈ 120 bytes of data) around the mark. */
export interface BenchData {
  mark: string;
  orderId: number;
  status: string;
  note: string;
}

/** Stamp message `index` with the current monotonic time. */
export function benchData(index: number): BenchData {
  return {
    mark: `~T${process.hrtime.bigint()}~I${index}~`,
    orderId: 40_000 + (index % 1000),
    status: 'ready',
    note: 'Your order is ready for pickup at the counter',
  };
}

const MARK = Buffer.from('~T');
const SEQ = Buffer.from('"seq":');
const TILDE = 0x7e;
const ZERO = 0x30;
const NINE = 0x39;

/** Monotonic now in nanoseconds as a number (exact to the ns for 104 days of uptime). */
export function nowNs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e9 + ns;
}

function readUint(buf: Buffer, at: number): [value: number, end: number] {
  let v = 0;
  let p = at;
  for (; p < buf.length; p++) {
    const c = buf[p]!;
    if (c < ZERO || c > NINE) break;
    v = v * 10 + (c - ZERO);
  }
  return [v, p];
}

/**
 * Call `fn(sentNs, index)` for every mark in `buf`, from byte `from`. Returns how many were found.
 */
export function forEachMark(buf: Buffer, from: number, fn: (sentNs: number, index: number) => void): number {
  let n = 0;
  let p = buf.indexOf(MARK, from);
  while (p !== -1) {
    const [t, tEnd] = readUint(buf, p + 2);
    // `~I` follows the time.
    if (buf[tEnd] === TILDE) {
      const [i, iEnd] = readUint(buf, tEnd + 2);
      if (buf[iEnd] === TILDE) {
        fn(t, i);
        n++;
      }
      p = buf.indexOf(MARK, iEnd);
    } else {
      p = buf.indexOf(MARK, tEnd);
    }
  }
  return n;
}

/** Call `fn(seq)` for every `"seq":<n>` in `buf` (Herald and baseline messages carry one). */
export function forEachSeq(buf: Buffer, from: number, fn: (seq: number) => void): void {
  let p = buf.indexOf(SEQ, from);
  while (p !== -1) {
    const [seq, end] = readUint(buf, p + SEQ.length);
    fn(seq);
    p = buf.indexOf(SEQ, end);
  }
}
