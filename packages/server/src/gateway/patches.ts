/**
 * The one entry point of Herald's patches of library internals (engine.io, ws, socket.io,
 * socket.io-parser and Node). Each patch is guarded, and a guard that fails skips the patch rather
 * than break a connection: an upgrade would then quietly lose a memory saving or the fast write
 * path. So, once per process at start, {@link detectPatches} opens one loopback Socket.IO
 * connection through a server set up as the gateway is, applies every patch to it, and records
 * which took effect; {@link reportPatches} logs the outcome (one info line, a warning for each
 * patch that did not take) and sets `herald_library_patch_active{patch}`. Afterwards the gateway's
 * connections keep reporting through a {@link PatchObserver}: a patch that stops taking effect
 * turns its gauge to 0 and is logged once. `test/patches.test.ts` fails when one is inactive on
 * the installed versions. The patched libraries are direct dependencies of the server with
 * patch-level ranges (`~`), the versions the patches were verified against: `socket.io`,
 * `socket.io-adapter`, `socket.io-parser`, `engine.io` and `ws`; a minor upgrade is a deliberate
 * change, made with this test.
 *
 * | patch | what it saves or speeds up | where |
 * |---|---|---|
 * | `engine-upgrade-error-listener` | engine.io's `onUpgradeError` on each ws | lean-engine.ts |
 * | `engine-upgrade-response` | the upgrade request held by engine.io's stand-in response | lean-engine.ts |
 * | `engine-upgrade-close-listener` | the stand-in response itself | lean-engine.ts |
 * | `engine-connection-arrays` | three 17-slot arrays per connection | lean-engine.ts |
 * | `ws-forget-masks` | the last frame's read buffer, kept by its mask | lean-engine.ts |
 * | `compact-listeners` | dictionary-mode listener tables of four emitters | lean-emitters.ts |
 * | `lean-socket` | socket.io's per-socket `acks` map and any-listener array | lean-socket.ts |
 * | `ping-sweep` | one heartbeat timer per connection | ping-sweep.ts |
 * | `lean-decoder` | socket.io-parser's per-connection options and listener array | parser.ts |
 * | `outgoing-fast-path` | a prebuilt frame written straight to the TCP stream | outgoing.ts |
 * | `cluster-read-stop` | `HERALD_WORKERS`: the primary stops reading before handing over | util/read-stop.ts |
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket as NetSocket } from 'node:net';
import { Server, type Socket } from 'socket.io';
import WebSocket from 'ws';
import type { Metrics } from '../metrics/metrics.js';
import { canStopReading } from '../util/read-stop.js';
import { createExpirySweep } from './expiry-sweep.js';
import { compactSocketListeners } from './lean-emitters.js';
import { forgetMasks, trimConnectionArrays, trimEnginePerConnection } from './lean-engine.js';
import { leanSocket } from './lean-socket.js';
import { fastPathOpen } from './outgoing.js';
import { heraldParser, leanDecoderActive } from './parser.js';
import { sweepPings } from './ping-sweep.js';

export const PATCHES = [
  'engine-upgrade-error-listener',
  'engine-upgrade-response',
  'engine-upgrade-close-listener',
  'engine-connection-arrays',
  'ws-forget-masks',
  'compact-listeners',
  'lean-socket',
  'ping-sweep',
  'lean-decoder',
  'outgoing-fast-path',
  'cluster-read-stop',
] as const;

export type PatchName = (typeof PATCHES)[number];

/** Hears whether a patch took effect (on one connection, or once). */
export type PatchObserver = (patch: PatchName, active: boolean) => void;

/** Which patches took effect on the probe connection. */
export type PatchStatus = Readonly<Record<PatchName, boolean>>;

/** Longest the probe waits for its connection; a patch it did not see is reported inactive. */
const PROBE_TIMEOUT_MS = 5_000;

let detected: Promise<PatchStatus> | undefined;

/** Which patches take effect on the installed libraries: probed once per process. */
export function detectPatches(): Promise<PatchStatus> {
  detected ??= probe();
  return detected;
}

async function probe(): Promise<PatchStatus> {
  const seen = new Map<PatchName, boolean>();
  // A patch is active when every observation of it was.
  const observe: PatchObserver = (patch, active) => seen.set(patch, (seen.get(patch) ?? true) && active);
  observe('lean-decoder', leanDecoderActive());

  const http: HttpServer = createServer();
  // As the gateway sets it up (gateway.ts): Herald's parser, its heartbeat, its trims.
  const io = new Server(http, { serveClient: false, parser: heraldParser, pingInterval: 25_000, pingTimeout: 20_000 });
  trimEnginePerConnection(io.engine, observe);
  const sweep = createExpirySweep(() => {});
  sweepPings(io.engine, sweep, observe);
  http.on('connection', (tcp: NetSocket) => observe('cluster-read-stop', canStopReading(tcp)));
  let client: WebSocket | undefined;
  try {
    const connected = new Promise<Socket>((resolve) => {
      io.on('connection', (socket) => {
        observe('lean-socket', leanSocket(socket, () => {}));
        observe('compact-listeners', compactSocketListeners(socket));
        observe('engine-connection-arrays', trimConnectionArrays(socket.conn));
        observe('ws-forget-masks', forgetMasks(socket.conn));
        resolve(socket);
      });
    });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = http.address() as AddressInfo;
    // Engine.IO v4 over a bare WebSocket: the open packet, then Socket.IO's CONNECT and its answer.
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
    client = ws;
    const answered = new Promise<void>((resolve, reject) => {
      ws.on('message', (data: Buffer) => {
        const text = data.toString();
        if (text.startsWith('0')) ws.send('40');
        else if (text.startsWith('40')) resolve();
      });
      ws.once('error', reject);
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the probe connection did not open')), PROBE_TIMEOUT_MS);
    });
    try {
      const [socket] = await Promise.race([Promise.all([connected, answered]), timeout]);
      // Once the CONNECT answer is out, nothing waits for the socket: the fast path must be open.
      await new Promise((resolve) => setImmediate(resolve));
      observe('outgoing-fast-path', fastPathOpen(socket));
    } finally {
      clearTimeout(timer);
    }
  } catch {
    // Whatever was not observed is reported inactive below.
  } finally {
    client?.terminate();
    sweep.stop();
    io.close();
    await new Promise<void>((resolve) => (http.listening ? http.close(() => resolve()) : resolve()));
  }
  return Object.freeze(Object.fromEntries(PATCHES.map((p) => [p, seen.get(p) === true]))) as PatchStatus;
}

type PatchLog = { info(obj: unknown, msg: string): void; warn(obj: unknown, msg: string): void };

/** Log `status` once (info: the active ones; a warning per inactive one) and set the gauge. */
export function reportPatches(status: PatchStatus, log: PatchLog, metrics: Metrics): void {
  const active = PATCHES.filter((p) => status[p]);
  for (const p of PATCHES) metrics.libraryPatches.set({ patch: p }, status[p] ? 1 : 0);
  log.info({ patches: active }, `library patches active: ${active.length} of ${PATCHES.length}`);
  for (const p of PATCHES) {
    if (!status[p]) log.warn({ patch: p }, `library patch inactive: ${p} (an engine.io, ws, socket.io or Node change); Herald works, without this saving`);
  }
}

/**
 * What the gateway's connections report: a patch that stops taking effect on a live connection
 * turns its gauge to 0 and is logged once.
 */
export function patchObserver(log: PatchLog, metrics: Metrics): PatchObserver {
  const lost = new Set<PatchName>();
  return (patch, active) => {
    if (active || lost.has(patch)) return;
    lost.add(patch);
    metrics.libraryPatches.set({ patch }, 0);
    log.warn({ patch }, `library patch inactive on a connection: ${patch}`);
  };
}
