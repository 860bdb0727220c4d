/**
 * `npx tsx bench/heap-breakdown.ts [connections]`: where a Herald server's V8 heap goes per idle
 * connection. Starts the built server, takes a heap snapshot before any client and another after
 * `connections` idle clients (subscribed like in the connections scenario), and prints the growth
 * of self size and count per node type and constructor / closure / string, divided by the clients.
 * `BENCH_TARGETS=socketio` runs it against the stock Socket.IO baseline instead.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sleep } from './lib/config.js';
import { LoadGen } from './lib/loadgen.js';
import { rssBytes } from './lib/procstat.js';
import { connectClients } from './lib/scenario.js';
import { startTarget, type TargetName } from './lib/targets.js';

const N = Number(process.argv[2] ?? 2000);
const TARGET = (process.env.BENCH_TARGETS ?? 'herald') as TargetName;
const snaps = fs.mkdtempSync(path.join(os.tmpdir(), 'heap-breakdown-'));
process.env.BENCH_SERVER_NODE_ARGS = `--heapsnapshot-signal=SIGWINCH --diagnostic-dir=${snaps}`;

/** Signal the server to write a snapshot (it collects garbage first) and wait until it is whole. */
async function snapshot(pid: number): Promise<string> {
  const before = new Set(fs.readdirSync(snaps));
  process.kill(pid, 'SIGWINCH');
  for (;;) {
    await sleep(500);
    const file = fs.readdirSync(snaps).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (!file) continue;
    const p = path.join(snaps, file);
    const size = fs.statSync(p).size;
    await sleep(1000);
    // Written once the size stops growing and the JSON is closed.
    if (fs.statSync(p).size !== size || size === 0) continue;
    const fd = fs.openSync(p, 'r');
    const tail = Buffer.alloc(16);
    fs.readSync(fd, tail, 0, 16, Math.max(0, size - 16));
    fs.closeSync(fd);
    if (tail.toString().trimEnd().endsWith('}')) return p;
  }
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Self size and count per `type:name` key. */
function aggregate(file: string): Map<string, { size: number; count: number }> {
  const s = JSON.parse(fs.readFileSync(file, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const width = fields.length;
  const fType = fields.indexOf('type');
  const fName = fields.indexOf('name');
  const fSize = fields.indexOf('self_size');
  const out = new Map<string, { size: number; count: number }>();
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + fType]!]!;
    let name = s.strings[s.nodes[i + fName]!]!;
    // Strings: group by kind, not content (headers would otherwise each be their own row).
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') name = name.length > 40 ? `${name.slice(0, 40)}…` : name;
    if (type === 'number' || type === 'hidden' || type === 'code') name = name.slice(0, 60);
    const key = `${type}: ${name}`;
    const e = out.get(key);
    if (e) (e.size += s.nodes[i + fSize]!), e.count++;
    else out.set(key, { size: s.nodes[i + fSize]!, count: 1 });
  }
  return out;
}

async function main(): Promise<void> {
  const target = await startTarget(TARGET);
  const lg = await LoadGen.start(2);
  try {
    const channel = target.channel('idle');
    await target.clients(channel, N);
    await sleep(2000);
    const rss0 = rssBytes(target.server.pid);
    const m0 = await target.server.memory();
    const a = await snapshot(target.server.pid);
    await connectClients(target, lg, channel, 0, N);
    await sleep(2000);
    const m1 = await target.server.memory();
    const rss1 = rssBytes(target.server.pid);
    const b = await snapshot(target.server.pid);
    process.stdout.write(
      `\n${TARGET}, ${N} connections: RSS ${((rss1 - rss0) / N / 1024).toFixed(2)} KiB/conn, heapUsed ${((m1.heapUsed - m0.heapUsed) / N / 1024).toFixed(2)} KiB/conn\n`,
    );
    const before = aggregate(a);
    const after = aggregate(b);
    const rows: { key: string; size: number; count: number }[] = [];
    for (const [key, v] of after) {
      const o = before.get(key) ?? { size: 0, count: 0 };
      rows.push({ key, size: (v.size - o.size) / N, count: (v.count - o.count) / N });
    }
    rows.sort((x, y) => y.size - x.size);
    const total = rows.reduce((t, r) => t + r.size, 0);
    process.stdout.write(`snapshot self-size growth: ${total.toFixed(0)} B/conn\n\n  B/conn  count/conn  type: name\n`);
    for (const r of rows.slice(0, Number(process.env.TOP ?? 60))) {
      if (Math.abs(r.size) < 8) break;
      process.stdout.write(`${r.size.toFixed(0).padStart(8)}  ${r.count.toFixed(2).padStart(10)}  ${r.key}\n`);
    }
  } finally {
    await lg.stop();
    await target.stop();
    if (!process.env.KEEP_SNAPSHOTS) fs.rmSync(snaps, { recursive: true, force: true });
    else process.stdout.write(`snapshots kept in ${snaps}\n`);
  }
}

await main();
