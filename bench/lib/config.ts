/**
 * Scenario sizes from the environment (`BENCH_*`), with SPEC §7's sizes as defaults, printed at
 * the top of every run and stored with its results.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { processesMatching } from './procstat.js';
import { REPO_ROOT } from './server.js';
import { LABELS, type TargetName } from './targets.js';

/** An integer from `BENCH_<name>`, or `fallback`. */
export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replaceAll('_', ''));
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}=${raw} is not a non-negative number`);
  return Math.floor(n);
}

/** A comma-separated list of integers. */
export function envInts(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (!raw) return fallback;
  return raw.split(',').map((s) => {
    const n = Number(s.trim().replaceAll('_', ''));
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name}=${raw}: "${s}" is not a number`);
    return Math.floor(n);
  });
}

const ALL_TARGETS: TargetName[] = ['herald', 'socketio', 'rawws', 'soketi'];

/** Servers to measure: `BENCH_TARGETS=herald,socketio,rawws,soketi` (the default: all). */
export function targetsFromEnv(allowed: TargetName[] = ALL_TARGETS): TargetName[] {
  const raw = process.env.BENCH_TARGETS;
  const names = raw ? (raw.split(',').map((s) => s.trim()) as TargetName[]) : allowed;
  for (const n of names) if (!ALL_TARGETS.includes(n)) throw new Error(`BENCH_TARGETS: unknown target "${n}" (${ALL_TARGETS.join(', ')})`);
  const chosen = names.filter((n) => allowed.includes(n));
  // Herald first: the ratios are Herald ÷ baseline.
  return chosen.sort((a, b) => ALL_TARGETS.indexOf(a) - ALL_TARGETS.indexOf(b));
}

/** The per-process open-file limit (`ulimit -n`), which caps sockets per process. */
export function openFileLimit(): number {
  try {
    const limits = fs.readFileSync('/proc/self/limits', 'utf8');
    const m = /^Max open files\s+(\d+)/m.exec(limits);
    return m ? Number(m[1]) : 20_000;
  } catch {
    return 20_000;
  }
}

/** The commit the measured code comes from, `+changes` when the work tree differs from it. */
export function codeVersion(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--', 'packages').length > 0;
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? '+changes in packages/' : ''}`;
  } catch {
    return 'unknown';
  }
}

/** Print the configuration block at the top of a run; returns it for the JSON. */
export function printConfig(scenario: string, entries: Record<string, unknown>): Record<string, unknown> {
  const busy = processesMatching(/vitest/).length;
  const config = { ...entries, openFileLimit: openFileLimit(), code: codeVersion() };
  process.stderr.write(`  configuration (${scenario}):\n`);
  for (const [k, v] of Object.entries(config)) {
    const value = Array.isArray(v) ? v.map((x) => (typeof x === 'string' && x in LABELS ? LABELS[x as TargetName] : x)).join(', ') : String(v);
    process.stderr.write(`    ${k.padEnd(22)} ${value}\n`);
  }
  if (busy > 0) process.stderr.write(`  note: ${busy} vitest process(es) are running on this machine: figures will be disturbed\n`);
  return { ...config, otherLoad: busy };
}

/** A pause. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `n` formatted with thousands separators. */
export const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '—';
