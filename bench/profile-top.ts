/**
 * `npx tsx bench/profile-top.ts <file.cpuprofile> [rows]`: where a server's CPU time went, from a
 * V8 profile written with `BENCH_PROFILE_DIR` (see lib/server.ts). Self time by function and by
 * package (node_modules/<name>, node: internals, Herald's own code), plus inclusive time of
 * Herald's functions.
 */
import fs from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}

const [file, rowsArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: npx tsx bench/profile-top.ts <file.cpuprofile> [rows]\n');
  process.exit(2);
}
const rows = Number(rowsArg ?? 30);
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Time per sample: the delta to the next sample.
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const idle = profile.nodes.filter((n) => ['(idle)', '(program)'].includes(n.callFrame.functionName)).reduce((a, n) => a + (selfUs.get(n.id) ?? 0), 0);

const pkg = (url: string) => {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.includes('/packages/')) return 'herald:' + url.split('/packages/')[1]!.split('/')[0];
  return url.split('/').slice(-2).join('/');
};
/** Where a frame is: Herald's files by their path under packages/, a dependency by package and file. */
const where = (url: string) => {
  if (url.includes('/packages/')) return url.split('/packages/')[1]!;
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url);
  if (m) return `${m[1]}/${m[2]!.split('/').pop()}`;
  return url || pkg(url);
};
const name = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;

const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
const selfByFn = new Map<string, number>();
const selfByPkg = new Map<string, number>();
const inclusiveHerald = new Map<string, number>();
for (const n of profile.nodes) {
  const us = selfUs.get(n.id) ?? 0;
  if (!us) continue;
  add(selfByFn, name(n), us);
  add(selfByPkg, pkg(n.callFrame.url), us);
  // Charge each Herald frame on the stack once.
  const seen = new Set<string>();
  for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
    const f = byId.get(id)!;
    if (!f.callFrame.url.includes('/packages/')) continue;
    const k = name(f);
    if (!seen.has(k)) {
      seen.add(k);
      add(inclusiveHerald, k, us);
    }
  }
}
const busy = total - idle;
const show = (title: string, m: Map<string, number>, base: number) => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    process.stdout.write(`  ${((v / base) * 100).toFixed(1).padStart(5)} %  ${(v / 1000).toFixed(0).padStart(7)} ms  ${k}\n`);
  }
};
process.stdout.write(`${file}: ${(total / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s busy (percentages are of busy time)\n`);
show('self time by package', selfByPkg, busy);
show('self time by function', selfByFn, busy);
show("inclusive time of Herald's functions", inclusiveHerald, busy);
