/** Latency percentiles with hdr-histogram-js, recorded in microseconds, reported in milliseconds. */
import * as hdr from 'hdr-histogram-js';

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export interface Recorder {
  /** Record one duration given in nanoseconds (from `process.hrtime.bigint()` differences). */
  recordNs(ns: bigint): void;
  summary(): Percentiles;
}

/** An empty histogram of microseconds, 1 µs to 120 s, 3 significant digits (all of them alike, so they merge). */
export function latencyHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
}

/** Percentiles of a microsecond histogram, in milliseconds. */
export function summarize(h: hdr.Histogram): Percentiles {
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    count: h.totalCount,
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    mean: ms(h.mean),
  };
}

/** A histogram as a compressed base64 string, to ship from a load-generator worker to the parent. */
export const encodeHistogram = (h: hdr.Histogram): string => hdr.encodeIntoCompressedBase64(h);

/** Merge encoded histograms (from several workers) into one. */
export function mergeHistograms(encoded: readonly string[]): hdr.Histogram {
  const total = latencyHistogram();
  for (const e of encoded) total.add(hdr.decodeFromCompressedBase64(e));
  return total;
}

export function recorder(): Recorder {
  const h = latencyHistogram();
  return {
    recordNs(ns) {
      h.recordValue(Math.max(1, Number(ns / 1000n)));
    },
    summary: () => summarize(h),
  };
}

/** Run `fn` `n` times one after another and record each duration. */
export async function timeSequential(n: number, fn: () => Promise<unknown>, onProgress?: (done: number) => void): Promise<Percentiles> {
  const r = recorder();
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    r.recordNs(process.hrtime.bigint() - t0);
    if (onProgress && (i + 1) % 100 === 0) onProgress(i + 1);
  }
  return r.summary();
}
