/**
 * `npx tsx bench/heap-detail.ts BEFORE.heapsnapshot AFTER.heapsnapshot [connections]`: what the
 * objects new in AFTER are (V8 keeps node ids across snapshots of one process), for the kinds
 * `heap-breakdown.ts` cannot tell apart by name: for each bound function its target function
 * (`bound_function`), and for plain Objects, property / element arrays, PropertyArrays, closures
 * and Contexts the retainer that holds them (`Retainer.edge`), per connection.
 * Take the snapshots with `KEEP_SNAPSHOTS=1 npx tsx bench/heap-breakdown.ts`.
 */
import fs from 'node:fs';

interface RawSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

const [fileA, fileB, n = '2000'] = process.argv.slice(2);
const N = Number(n);
const TOP = Number(process.env.TOP ?? 12);

function ids(file: string): Set<number> {
  const s = JSON.parse(fs.readFileSync(file, 'utf8')) as RawSnapshot;
  const w = s.snapshot.meta.node_fields.length;
  const f = s.snapshot.meta.node_fields.indexOf('id');
  const out = new Set<number>();
  for (let i = 0; i < s.nodes.length; i += w) out.add(s.nodes[i + f]!);
  return out;
}

const old = ids(fileA!);
const s = JSON.parse(fs.readFileSync(fileB!, 'utf8')) as RawSnapshot;
const nf = s.snapshot.meta.node_fields;
const ef = s.snapshot.meta.edge_fields;
const nodeTypes = s.snapshot.meta.node_types[0];
const edgeTypes = s.snapshot.meta.edge_types[0];
const W = nf.length;
const EW = ef.length;
const [fType, fName, fId, fSize, fEdges] = ['type', 'name', 'id', 'self_size', 'edge_count'].map((k) => nf.indexOf(k));
const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((k) => ef.indexOf(k));
const count = s.nodes.length / W;

const firstEdge = new Int32Array(count + 1);
for (let i = 0, e = 0; i < count; i++) {
  firstEdge[i] = e;
  e += s.nodes[i * W + fEdges!]! * EW;
}
firstEdge[count] = s.edges.length;

const type = (i: number) => nodeTypes[s.nodes[i * W + fType!]!]!;
const name = (i: number) => s.strings[s.nodes[i * W + fName!]!]!;
const size = (i: number) => s.nodes[i * W + fSize!]!;
const isNew = (i: number) => !old.has(s.nodes[i * W + fId!]!);
const edgeName = (e: number) => {
  const t = edgeTypes[s.edges[e + eType!]!]!;
  const v = s.edges[e + eName!]!;
  return t === 'element' || t === 'hidden' ? `[${t}]` : s.strings[v]!;
};
const label = (i: number) => `${type(i)}:${name(i).slice(0, 50)}`;

// Retainers (strong edges only).
const retainers: number[][] = Array.from({ length: count }, () => []);
for (let i = 0; i < count; i++) {
  for (let e = firstEdge[i]!; e < firstEdge[i + 1]!; e += EW) {
    if (edgeTypes[s.edges[e + eType!]!] === 'weak') continue;
    retainers[s.edges[e + eTo!]! / W]!.push(i, e);
  }
}

/** The first retainer's label and edge, following through arrays/hidden nodes up to `depth` levels. */
function owner(i: number, depth = 2): string {
  const r = retainers[i]!;
  if (r.length === 0) return '(none)';
  const parts: string[] = [];
  for (let k = 0; k < r.length && parts.length < 2; k += 2) {
    const from = r[k]!;
    const t = type(from);
    let p = `${label(from)}.${edgeName(r[k + 1]!)}`;
    if (depth > 0 && (t === 'array' || (t === 'object' && name(from) === 'Array') || t === 'hidden' || (t === 'object' && name(from) === 'Object') || t === 'closure' || name(from) === 'system / Context')) {
      p = `${owner(from, depth - 1)} > ${p}`;
    }
    parts.push(p);
  }
  return parts.join(' | ');
}

function report(title: string, match: (i: number) => boolean, key: (i: number) => string): void {
  const by = new Map<string, { size: number; count: number }>();
  for (let i = 0; i < count; i++) {
    if (!isNew(i) || !match(i)) continue;
    const k = key(i);
    const e = by.get(k) ?? { size: 0, count: 0 };
    e.size += size(i);
    e.count++;
    by.set(k, e);
  }
  const rows = [...by].sort((a, b) => b[1].size - a[1].size).slice(0, TOP);
  process.stdout.write(`\n== ${title}\n`);
  for (const [k, v] of rows) {
    if (v.count / N < 0.05) continue;
    process.stdout.write(`${(v.size / N).toFixed(0).padStart(6)} B ${(v.count / N).toFixed(2).padStart(6)}  ${k}\n`);
  }
}

function edgeTo(i: number, edge: string): number | undefined {
  for (let e = firstEdge[i]!; e < firstEdge[i + 1]!; e += EW) if (edgeName(e) === edge) return s.edges[e + eTo!]! / W;
  return undefined;
}

report('bound functions by target', (i) => type(i) === 'closure' && name(i) === 'native_bind', (i) => {
  const f = edgeTo(i, 'bound_function');
  return `${f === undefined ? '?' : name(f)} ← ${owner(i, 0)}`;
});
report('closures by name and retainer', (i) => type(i) === 'closure' && name(i) !== 'native_bind', (i) => `${name(i) || '(anon)'} ← ${owner(i, 1)}`);
report('plain Objects by retainer', (i) => type(i) === 'object' && name(i) === 'Object', (i) => owner(i, 1));
report('(object properties) by retainer', (i) => type(i) === 'array' && name(i) === '(object properties)', (i) => owner(i, 1));
report('(object elements) by retainer', (i) => type(i) === 'array' && name(i) === '(object elements)', (i) => `${size(i)} B ← ${owner(i, 1)}`);
report('unnamed arrays by retainer', (i) => type(i) === 'array' && name(i) === '', (i) => owner(i, 1));
report('Array objects by retainer', (i) => type(i) === 'object' && name(i) === 'Array', (i) => owner(i, 0));
report('PropertyArrays by retainer', (i) => name(i) === 'system / PropertyArray', (i) => owner(i, 0));
report('Contexts by retainer', (i) => name(i) === 'system / Context', (i) => owner(i, 0));
report('Maps / Sets / Promises / Timeouts by retainer', (i) => type(i) === 'object' && ['Map', 'Set', 'Promise', 'Timeout', 'Buffer', 'ArrayBuffer'].includes(name(i)), (i) => `${name(i)} ← ${owner(i, 0)}`);
