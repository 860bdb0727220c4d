/**
 * One load-generator process (`node --import tsx bench/lib/loadgen-worker.ts`, forked by
 * `loadgen.ts`). It holds up to ~19,000 WebSocket clients bound to its own source address
 * (`BENCH_LOCAL_ADDRESS`, 127.0.0.x), speaks the servers' protocols by hand (see `protocols.ts`),
 * and records publish → receive latency of every delivery in an hdr histogram. The parent drives
 * it over IPC; a message is reported `done` once every connection of this worker has it.
 */
import http from 'node:http';
import WebSocket from 'ws';
import { encodeHistogram, latencyHistogram } from './histogram.js';
import type { Collected, ConnectResult, HttpResult, WorkerCommand, WorkerEvent, WorkerReply } from './loadgen-messages.js';
import { OP_BINARY, OP_CLOSE, OP_PING, OP_TEXT, readFramesDirectly } from './frame-reader.js';
import { forEachMark, forEachSeq, nowNs } from './payload.js';
import { carriesSeq, classify, handshake, Kind, pong, wsUrl, type ClientSpec, type Handshake } from './protocols.js';

/**
 * Source addresses of this worker (127.0.0.(k+2) first, then 127.0.1.(k+2), …), used in turn:
 * `bind()` with port 0 searches the ports in use on its address, so few sockets per address keep
 * connection storms cheap for the load generator.
 */
const localAddresses = (process.env.BENCH_LOCAL_ADDRESSES ?? '127.0.0.1').split(',');
let nextAddress = 0;
const takeAddress = () => localAddresses[nextAddress++ % localAddresses.length]!;
const localAddress = localAddresses[0]!;
const HANDSHAKE_TIMEOUT_MS = 60_000;

interface Conn {
  ws: WebSocket | null;
  token: string | undefined;
  /** Where and how this connection subscribes (a reconnect may move it to another server). */
  spec: ClientSpec;
  ready: boolean;
  /** Highest seq received (cursor for a reconnect). */
  lastSeq: number;
  caughtUp: boolean;
}

let spec: ClientSpec | null = null;
let conns: Conn[] = [];
let readyCount = 0;
let trackSeq = false;

let hist = latencyHistogram();
let deliveries = 0;
let frames = 0;
let duplicates = 0;
let gaps = 0;
let cpuAtReset = process.cpuUsage();
/** Per message index: deliveries so far and the slowest, until every connection has it. */
const pending = new Map<number, { n: number; maxNs: number }>();

let catchUp: { target: number; start: number; caught: number } | null = null;

const send = (m: WorkerEvent | WorkerReply) => process.send!(m);

function checkSeq(conn: Conn, seq: number): void {
  if (seq <= conn.lastSeq) duplicates++;
  else {
    if (seq > conn.lastSeq + 1) gaps += seq - conn.lastSeq - 1;
    conn.lastSeq = seq;
  }
}

function checkCaughtUp(conn: Conn): void {
  if (!catchUp || conn.caughtUp || conn.lastSeq < catchUp.target) return;
  conn.caughtUp = true;
  if (++catchUp.caught === conns.length) {
    send({ event: 'caughtUp', ms: (nowNs() - catchUp.start) / 1e6, duplicates, gaps, caughtUp: catchUp.caught });
  }
}

function onDelivery(conn: Conn, buf: Buffer): void {
  frames++;
  const now = nowNs();
  forEachMark(buf, 0, (sentNs, index) => {
    deliveries++;
    const latency = now - sentNs;
    hist.recordValue(Math.max(1, Math.round(latency / 1000)));
    let p = pending.get(index);
    if (!p) pending.set(index, (p = { n: 0, maxNs: 0 }));
    p.n++;
    if (latency > p.maxNs) p.maxNs = latency;
    if (p.n >= readyCount) {
      pending.delete(index);
      send({ event: 'done', index, maxNs: p.maxNs });
    }
  });
  if (trackSeq) {
    forEachSeq(buf, 0, (seq) => checkSeq(conn, seq));
    checkCaughtUp(conn);
  }
}

/** Open one connection and subscribe; resolves true when subscribed, false on failure. */
function open(conn: Conn, since: number | undefined, errors: string[]): Promise<boolean> {
  const s = conn.spec;
  const protocol = s.protocol;
  const hs: Handshake = handshake(s, { token: conn.token, since });
  const pongFrame = pong(protocol);
  return new Promise((resolve) => {
    let settled = false;
    const settle = (ok: boolean, error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!ok) {
        if (error && errors.length < 5) errors.push(error);
        ws.terminate();
      }
      resolve(ok);
    };
    const ws = new WebSocket(wsUrl(s), {
      localAddress: takeAddress(),
      perMessageDeflate: false,
      skipUTF8Validation: true,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    });
    conn.ws = ws;
    const timer = setTimeout(() => settle(false, 'subscribe timed out'), HANDSHAKE_TIMEOUT_MS);
    ws.on('open', () => {
      // From here on frames are read by the lean reader (frame-reader.ts), not by ws's Receiver.
      readFramesDirectly(ws, (opcode, payload) => {
        if (opcode === OP_TEXT || opcode === OP_BINARY) onMessage(payload);
        else if (opcode === OP_PING) ws.pong(payload);
        else if (opcode === OP_CLOSE) ws.terminate();
      });
      for (const f of hs.onOpen()) ws.send(f);
    });
    const onMessage = (data: Buffer) => {
      const kind = classify(protocol, data);
      if (kind === Kind.Delivery) {
        onDelivery(conn, data);
        return;
      }
      if (kind === Kind.Ping) {
        ws.send(pongFrame);
        return;
      }
      // A subscribe ack may replay missed messages: check their seqs like live ones.
      if (trackSeq && data[0] === 0x34 && data[1] === 0x33) {
        forEachSeq(data, 0, (seq) => checkSeq(conn, seq));
      }
      const r = hs.onControl(data.toString('utf8', 0, Math.min(data.length, 1024)));
      if (r.send) for (const f of r.send) ws.send(f);
      if (r.error) settle(false, r.error);
      else if (r.ready && !conn.ready) {
        conn.ready = true;
        readyCount++;
        settle(true);
        checkCaughtUp(conn);
      }
    };
    // Only if the reader could not take over (see readFramesDirectly).
    ws.on('message', onMessage);
    ws.on('error', (err) => settle(false, err.message));
    ws.on('close', (code) => {
      // A failed attempt's socket may close after the next attempt began: leave that one alone.
      if (conn.ws === ws) {
        if (conn.ready) {
          conn.ready = false;
          readyCount--;
        }
        conn.ws = null;
      }
      settle(false, `closed (${code}) before subscribing`);
    });
  });
}

/**
 * Open with retries, the way socket.io-client reconnects: after a failure wait a jittered,
 * growing delay (1 s × 2^attempt, ±50 %, at most 5 s) and try again, up to `ATTEMPTS` times.
 */
const ATTEMPTS = 10;
let retries = 0;
async function openWithRetry(conn: Conn, since: () => number | undefined, errors: string[]): Promise<boolean> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (attempt > 0) {
      retries++;
      const base = Math.min(5000, 1000 * 2 ** (attempt - 1));
      await new Promise((r) => setTimeout(r, base * (0.5 + Math.random())));
    }
    if (await open(conn, since(), errors)) return true;
  }
  return false;
}

/** Run `jobs` with at most `concurrency` in flight; `tick` after each. */
async function pool(total: number, concurrency: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < total) await job(next++);
    }),
  );
}

async function connect(c: Extract<WorkerCommand, { cmd: 'connect' }>): Promise<ConnectResult> {
  spec = c.spec;
  trackSeq = carriesSeq(c.spec.protocol);
  const t0 = Date.now();
  const errors: string[] = [];
  let connected = 0;
  let failed = 0;
  const start = conns.length;
  for (let i = 0; i < c.count; i++) {
    conns.push({ ws: null, token: c.tokens?.[i % c.tokens.length], spec: c.spec, ready: false, lastSeq: 0, caughtUp: false });
  }
  const ticker = setInterval(() => send({ event: 'progress', connected, failed }), 250);
  await pool(c.count, c.concurrency, async (i) => {
    if (await openWithRetry(conns[start + i]!, () => undefined, errors)) connected++;
    else failed++;
  });
  clearInterval(ticker);
  send({ event: 'progress', connected, failed });
  // Keep only the connections that made it.
  conns = conns.filter((x) => x.ready);
  return { connected, failed, errors, ms: Date.now() - t0, retries: takeRetries() };
}

function takeRetries(): number {
  const n = retries;
  retries = 0;
  return n;
}

/** Report `caughtUp` once every connection has every seq up to `target`, timed from `startNs`. */
function watch(target: number, startNs: number): void {
  catchUp = { target, start: startNs, caught: 0 };
  for (const conn of conns) conn.caughtUp = false;
  for (const conn of conns) checkCaughtUp(conn);
}

async function reconnect(c: Extract<WorkerCommand, { cmd: 'reconnect' }>): Promise<ConnectResult> {
  const t0 = Date.now();
  const errors: string[] = [];
  let connected = 0;
  let failed = 0;
  const ticker = setInterval(() => send({ event: 'progress', connected, failed }), 250);
  const todo = conns.filter((x) => !x.ready);
  // Clients of a server that is gone go to the others, spread evenly.
  if (c.urls?.length) todo.forEach((conn, i) => (conn.spec = { ...conn.spec, url: c.urls![i % c.urls!.length]! }));
  watch(c.target, c.startNs ?? nowNs());
  await pool(todo.length, c.concurrency, async (i) => {
    const conn = todo[i]!;
    if (await openWithRetry(conn, () => conn.lastSeq, errors)) connected++;
    else failed++;
  });
  clearInterval(ticker);
  send({ event: 'progress', connected, failed });
  return { connected, failed, errors, ms: Date.now() - t0, retries: takeRetries() };
}

async function closeAll(): Promise<void> {
  await Promise.all(
    conns.map(
      (conn) =>
        new Promise<void>((resolve) => {
          const ws = conn.ws;
          if (!ws || ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', () => resolve());
          // Close with a reset: no TIME_WAIT left on this source address, whose ~28,000 ports
          // the next server's connections need (a FIN would hold each port for 60 s).
          (ws as unknown as { _socket?: { resetAndDestroy?: () => void } })._socket?.resetAndDestroy?.();
          ws.terminate();
        }),
    ),
  );
  conns = [];
  readyCount = 0;
  catchUp = null;
  pending.clear();
}

function reset(): void {
  hist = latencyHistogram();
  deliveries = frames = duplicates = gaps = 0;
  pending.clear();
  cpuAtReset = process.cpuUsage();
}

function cpuSince(): number {
  const u = process.cpuUsage(cpuAtReset);
  return (u.user + u.system) / 1e6;
}

function collect(): Collected {
  return {
    histogram: encodeHistogram(hist),
    deliveries,
    frames,
    duplicates,
    gaps,
    open: readyCount,
    caughtUp: catchUp ? catchUp.caught : 0,
    behind: catchUp ? conns.reduce((a, x) => a + Math.max(0, catchUp!.target - x.lastSeq), 0) : 0,
    cpuS: cpuSince(),
  };
}

async function httpLoad(c: Extract<WorkerCommand, { cmd: 'http' }>): Promise<HttpResult> {
  const base = new URL(c.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: c.concurrency });
  const h = latencyHistogram();
  const statuses: Record<string, number> = {};
  let requests = 0;
  let errors = 0;
  let firstError: string | undefined;
  const bodies = (c.bodies ?? []).map((b) => Buffer.from(b));
  const headersFor = (body: Buffer | undefined) => {
    const headers: Record<string, string | number> = {};
    if (c.auth) headers.authorization = `Bearer ${c.auth}`;
    if (body) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = body.length;
    }
    return headers;
  };
  const headerSets = bodies.length > 0 ? bodies.map(headersFor) : [headersFor(undefined)];
  const cpu0 = process.cpuUsage();
  const t0 = nowNs();
  const deadline = t0 + c.seconds * 1e9;
  let issued = 0;
  const one = (n: number) =>
    new Promise<void>((resolve) => {
      const body = bodies.length > 0 ? bodies[n % bodies.length] : undefined;
      const headers = headerSets[bodies.length > 0 ? n % bodies.length : 0];
      const start = nowNs();
      const req = http.request(
        { agent, host: base.hostname, port: base.port, method: c.method, path: c.path, headers, localAddress },
        (res) => {
          const status = String(res.statusCode);
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (res.statusCode! >= 300 && firstError === undefined) {
            let text = '';
            res.on('data', (d: Buffer) => (text += d.toString()));
            res.on('end', () => (firstError = `${status} ${text.slice(0, 300)}`));
          } else res.resume();
          res.on('end', () => {
            requests++;
            h.recordValue(Math.max(1, Math.round((nowNs() - start) / 1000)));
            resolve();
          });
        },
      );
      req.on('error', (err) => {
        errors++;
        firstError ??= err.message;
        resolve();
      });
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: c.concurrency }, async () => {
      while (issued < c.count && nowNs() < deadline) await one(issued++);
    }),
  );
  const seconds = (nowNs() - t0) / 1e9;
  agent.destroy();
  const u = process.cpuUsage(cpu0);
  return { requests, errors, statuses, histogram: encodeHistogram(h), seconds, cpuS: (u.user + u.system) / 1e6, firstError };
}

async function handle(c: WorkerCommand): Promise<unknown> {
  switch (c.cmd) {
    case 'connect':
      return connect(c);
    case 'reconnect':
      return reconnect(c);
    case 'watch':
      return watch(c.target, c.startNs);
    case 'reset':
      return reset();
    case 'collect':
      return collect();
    case 'close':
      return closeAll();
    case 'http':
      return httpLoad(c);
  }
}

// Pusher clients are expected to show activity; Socket.IO clients answer the server's pings.
setInterval(() => {
  if (spec?.protocol !== 'pusher') return;
  for (const conn of conns) if (conn.ready) conn.ws?.send('{"event":"pusher:ping","data":{}}');
}, 60_000).unref();

process.on('message', (m: { id: number } & WorkerCommand) => {
  handle(m).then(
    (result) => send({ id: m.id, ok: true, result: result ?? null }),
    (err: unknown) => send({ id: m.id, ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) }),
  );
});
// End with the parent, whatever happens to it.
process.on('disconnect', () => process.exit(0));
