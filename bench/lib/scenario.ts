/** What the socket scenarios share: run a body against each server, connect clients with progress. */
import type { LoadGen } from './loadgen.js';
import { progress } from './progress.js';
import { LABELS, startTarget, TargetUnavailable, type Target, type TargetName } from './targets.js';

export type Outcome<T, N extends string = TargetName> = { name: N; label: string } & ({ ok: true; result: T } | { ok: false; reason: string });

type Row = (string | number)[];

/**
 * The table rows of every server: `rowsOf` for one that ran, its reason over empty cells (to
 * `columns`) for one that could not.
 */
export function outcomeRows<T, N extends string = TargetName>(
  outcomes: Outcome<T, N>[],
  columns: number,
  rowsOf: (result: T, o: { name: N; label: string }) => Row[],
): Row[] {
  return outcomes.flatMap((o) => (o.ok ? rowsOf(o.result, o) : [[o.label, o.reason, ...Array<string>(columns - 2).fill('')]]));
}

/** The result of server `name`, when it ran. */
export function resultOf<T, N extends string = TargetName>(outcomes: Outcome<T, N>[], name: N): T | undefined {
  const o = outcomes.find((x) => x.name === name);
  return o?.ok ? o.result : undefined;
}

/** A server set-up to measure: a baseline, Herald on some store, a cluster of Herald nodes. */
export interface Setup<N extends string = string> {
  name: N;
  label: string;
  /** Start it; `TargetUnavailable` when it cannot run here (its reason is reported). */
  start(): Promise<Target>;
}

/**
 * Start each set-up in turn, run `body` against it, then close the load generator's connections
 * and stop it. One that cannot run here (Soketi) gives `{ ok: false, reason }`.
 */
export async function eachSetup<T, N extends string>(setups: Setup<N>[], lg: LoadGen, body: (t: Target, setup: Setup<N>) => Promise<T>): Promise<Outcome<T, N>[]> {
  const out: Outcome<T, N>[] = [];
  for (const setup of setups) {
    process.stderr.write(`  — ${setup.label}\n`);
    let target: Target;
    try {
      target = await setup.start();
    } catch (err) {
      if (!(err instanceof TargetUnavailable)) throw err;
      process.stderr.write(`    ${setup.label}: ${err.message}\n`);
      out.push({ name: setup.name, label: setup.label, ok: false, reason: err.message });
      continue;
    }
    try {
      out.push({ name: setup.name, label: setup.label, ok: true, result: await body(target, setup) });
    } finally {
      await lg.close();
      await target.stop();
    }
  }
  return out;
}

/** {@link eachSetup} over servers by name (Herald and the baselines of `targets.ts`). */
export function eachTarget<T>(names: TargetName[], lg: LoadGen, body: (t: Target) => Promise<T>): Promise<Outcome<T>[]> {
  return eachSetup(
    names.map((name) => ({ name, label: LABELS[name], start: () => startTarget(name) })),
    lg,
    (t) => body(t),
  );
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
