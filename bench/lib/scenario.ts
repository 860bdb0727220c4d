/** What the socket scenarios share: run a body against each server, connect clients with progress. */
import type { LoadGen } from './loadgen.js';
import { progress } from './progress.js';
import { LABELS, startTarget, TargetUnavailable, type Target, type TargetName } from './targets.js';

export type Outcome<T> = { name: TargetName; label: string } & ({ ok: true; result: T } | { ok: false; reason: string });

type Row = (string | number)[];

/**
 * The table rows of every server: `rowsOf` for one that ran, its reason over empty cells (to
 * `columns`) for one that could not.
 */
export function outcomeRows<T>(outcomes: Outcome<T>[], columns: number, rowsOf: (result: T, o: { name: TargetName; label: string }) => Row[]): Row[] {
  return outcomes.flatMap((o) => (o.ok ? rowsOf(o.result, o) : [[o.label, o.reason, ...Array<string>(columns - 2).fill('')]]));
}

/** The result of server `name`, when it ran. */
export function resultOf<T>(outcomes: Outcome<T>[], name: TargetName): T | undefined {
  const o = outcomes.find((x) => x.name === name);
  return o?.ok ? o.result : undefined;
}

/**
 * Start each server in turn, run `body` against it, then close the load generator's connections
 * and stop the server. A server that cannot run here (Soketi) gives `{ ok: false, reason }`.
 */
export async function eachTarget<T>(names: TargetName[], lg: LoadGen, body: (t: Target) => Promise<T>): Promise<Outcome<T>[]> {
  const out: Outcome<T>[] = [];
  for (const name of names) {
    process.stderr.write(`  — ${LABELS[name]}\n`);
    let target: Target;
    try {
      target = await startTarget(name);
    } catch (err) {
      if (!(err instanceof TargetUnavailable)) throw err;
      process.stderr.write(`    ${LABELS[name]}: ${err.message}\n`);
      out.push({ name, label: LABELS[name], ok: false, reason: err.message });
      continue;
    }
    try {
      out.push({ name, label: target.label, ok: true, result: await body(target) });
    } finally {
      await lg.close();
      await target.stop();
    }
  }
  return out;
}

/**
 * Bring the number of clients of `channel` on `target` from `have` to `want` (Herald: mint their
 * tokens first). Throws when some could not connect: every figure assumes the full count.
 */
export async function connectClients(target: Target, lg: LoadGen, channel: string, have: number, want: number): Promise<void> {
  if (want <= have) return;
  const n = want - have;
  let mint: ReturnType<typeof progress> | null = null;
  const { spec, tokens } = await target.clients(channel, want, (done) => {
    mint ??= progress('minting tokens', want - have);
    mint.update(done);
  });
  (mint as ReturnType<typeof progress> | null)?.done();
  const bar = progress(`connecting ${target.label} clients`, n);
  const r = await lg.connect(spec, n, { tokens: tokens?.slice(have, want), onProgress: (c) => bar.update(c) });
  bar.done(`${r.connected} subscribed in ${(r.ms / 1000).toFixed(1)} s${r.retries ? `, ${r.retries} retried` : ''}${r.failed ? `, ${r.failed} FAILED` : ''}`);
  if (r.failed > 0) throw new Error(`${r.failed} of ${n} ${target.label} clients failed to subscribe: ${r.errors.join('; ')}`);
}

/** `a ÷ b` to two digits, or '—'. */
export function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '—';
  return `${(a / b).toFixed(2)}×`;
}

/** A markdown table from a header and rows. */
export function markdownTable(header: string[], rows: (string | number)[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}
