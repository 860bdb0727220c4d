/** Small text helpers for the CLI's human-readable output. */

/** `2 h 5 min`, `40 s`, `3 d 4 h`: a duration a person reads at a glance. */
export function humanDuration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

/** `2024-05-01T10:00:00.000Z (in 59 min)` or `(3 min ago)`, relative to `now`. */
export function whenText(epochMs: number, now = Date.now()): string {
  const iso = new Date(epochMs).toISOString();
  return epochMs >= now ? `${iso} (in ${humanDuration(epochMs - now)})` : `${iso} (${humanDuration(now - epochMs)} ago)`;
}

/** One `label  value` line per entry, labels aligned. */
export function table(rows: [string, string][], indent = '  '): string {
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  return rows.map(([l, v]) => `${indent}${l.padEnd(width)}${v}`).join('\n');
}
