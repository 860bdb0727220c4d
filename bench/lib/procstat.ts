/**
 * What a server process costs, read from /proc the same way for every server under test:
 * CPU time (utime + stime of all its threads) and resident memory. Linux only.
 */
import fs from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (`getconf CLK_TCK`; 100 on Linux). */
export const CLK_TCK = 100;

/** CPU seconds (user + system, all threads) the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of the whole line (utime, stime) are 12 and 13 after the name and state.
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Resident set size in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/** Open file descriptors of the process. */
export function openFiles(pid: number): number {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** Busy and total CPU time of the whole machine (all cores), from /proc/stat, in ticks. */
export function machineTicks(): { busy: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Server CPU and machine load over one measured phase. */
export interface CpuMeter {
  /** Stop the meter: server CPU seconds used, and how busy the whole machine was (0–1). */
  stop(): { serverCpuS: number; machineBusy: number; wallS: number };
}

/**
 * Meter a server process, or several (`pids`: a primary and its workers, see {@link processTree}),
 * whose CPU is summed.
 */
export function cpuMeter(pids: number | readonly number[]): CpuMeter {
  const list = typeof pids === 'number' ? [pids] : pids;
  const cpuOfAll = () => list.reduce((a, p) => a + cpuSeconds(p), 0);
  const cpu0 = cpuOfAll();
  const m0 = machineTicks();
  const t0 = process.hrtime.bigint();
  return {
    stop() {
      const serverCpuS = cpuOfAll() - cpu0;
      const m1 = machineTicks();
      const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
      const total = m1.total - m0.total;
      return { serverCpuS, machineBusy: total > 0 ? (m1.busy - m0.busy) / total : 0, wallS };
    },
  };
}

/** `pid` and every process below it (a Herald primary and its `HERALD_WORKERS` workers). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (ppid) is the second after the command name's closing parenthesis.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      let list = children.get(ppid);
      if (!list) children.set(ppid, (list = []));
      list.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    out.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return out;
}

/** Processes whose command line matches `pattern` (other load on the machine, e.g. a test run). */
export function processesMatching(pattern: RegExp): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (pattern.test(cmd)) out.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}
