/**
 * The primary's TCP front for `HERALD_WORKERS`: it accepts every connection on the port, reads
 * just the first request line, and hands the connection (its handle, plus the bytes read) to a
 * worker: the worker that owns the Engine.IO session named by `sid`, else the next ready worker in
 * turn. Same spirit as `@socket.io/sticky`'s `setupPrimary`; where it differs, and why:
 *
 * - Nothing is relayed. sticky keeps every connection whose first request has a body (each polling
 *   POST, each `POST /v1/publish`) in the primary and copies it chunk by chunk over IPC, because
 *   node's handle passing lets the primary's handle go on reading (and dropping) bytes until the
 *   worker acknowledges. Here the primary stops reading before it sends the handle, so the rest
 *   of the request stays in the kernel for the worker.
 * - Only ready workers get connections. sticky also picks a worker that was just forked (a
 *   restart) and is still opening its store; its connections hang until the client gives up.
 * - A connection handed to a worker that dies before taking it goes to another worker (node
 *   itself would keep it open in the primary, and the client would hang).
 * - A session is known before its client knows its id: the worker reports it while writing the
 *   handshake answer (see `worker.ts`), where sticky reports it after the answer was written.
 * - Sessions are forgotten after a quiet while instead of on close (the worker cannot see
 *   Engine.IO closes without reaching into the gateway): a polling session makes a request at
 *   least every ping interval, and an upgraded session needs no routing any more.
 *
 * Keep-alive cannot be honoured by routing per connection (a later request on the same connection
 * may belong to another worker's session): workers answer `Connection: close` (see `worker.ts`).
 */
import type { Worker } from 'node:cluster';
import net from 'node:net';
import { HeraldError } from '@herald/protocol';
import { stopReading as stopReadingHandle } from '../util/read-stop.js';
import type { PrimaryLog } from './log.js';
import { parseRequestLine, type ConnectionMessage } from './protocol.js';

/** Longest request line read before giving up on finding a session id (node's header limit). */
const MAX_LINE = 16 * 1024;

export interface RouterOptions {
  log: PrimaryLog;
  /**
   * How long a session is remembered after its last request: the gateway's ping interval (25 s)
   * plus ping timeout (20 s) is the longest a live polling session stays silent, doubled.
   * @default 90000
   */
  sessionTtlMs?: number;
  /** A connection that sends no request line within this time is closed. @default 60000 */
  firstLineTimeoutMs?: number;
}

export interface Router {
  /** Bind the port; resolves with the bound address. */
  listen(port: number, host: string): Promise<net.AddressInfo>;
  /** `worker` is ready for connections. */
  addWorker(worker: Worker): void;
  /**
   * `worker` is stopping or gone: no new connections, its sessions are forgotten, and when its
   * channel is closed the connections it had not taken yet go to other workers.
   */
  removeWorker(worker: Worker): void;
  /** `worker` created Engine.IO session `sid`. */
  bindSession(worker: Worker, sid: string): void;
  /** `worker` has connection `id`: the primary's copy can close. */
  taken(worker: Worker, id: number): void;
  /** Sessions remembered now (for logs and tests). */
  readonly sessions: () => number;
  /** Stop accepting connections (those handed over stay with their workers). */
  close(): Promise<void>;
}

/** A connection on its way to a worker. */
interface Handover {
  socket: net.Socket;
  head: Buffer;
  sid: string | undefined;
  worker: Worker;
}

/**
 * Build the router; nothing is accepted until `listen()`.
 * @example
 * const router = createRouter({ log });
 * cluster.on('message', (w, m) => isHeraldMessage(m, 'ready') && router.addWorker(w));
 * await router.listen(4700, '0.0.0.0');
 */
export function createRouter(options: RouterOptions): Router {
  const { log } = options;
  const ttl = options.sessionTtlMs ?? 90_000;
  const ready: Worker[] = [];
  let turn = 0;
  const sessions = new Map<string, { worker: Worker; seen: number }>();
  const handovers = new Map<number, Handover>();
  let nextId = 1;
  let readStopMissing = false;

  const sweep = setInterval(() => {
    const oldest = Date.now() - ttl;
    for (const [sid, s] of sessions) if (s.seen < oldest) sessions.delete(sid);
  }, Math.min(ttl, 30_000));
  sweep.unref();

  const pick = (sid: string | undefined): Worker | undefined => {
    if (sid !== undefined) {
      const s = sessions.get(sid);
      if (s && ready.includes(s.worker)) {
        s.seen = Date.now();
        return s.worker;
      }
      // An unknown session (its worker died, or it expired): any worker answers Engine.IO's
      // "Session ID unknown", and the client starts a new session.
    }
    if (ready.length === 0) return undefined;
    turn = (turn + 1) % ready.length;
    return ready[turn];
  };

  const route = (socket: net.Socket, head: Buffer, sid: string | undefined) => {
    const worker = pick(sid);
    if (!worker) {
      const body = JSON.stringify({ error: new HeraldError('UNAVAILABLE', 'No worker is ready').toBody() });
      socket.end(
        `HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      return;
    }
    const id = nextId++;
    handovers.set(id, { socket, head, sid, worker });
    const message: ConnectionMessage = { herald: 'connection', id, head: head.toString('base64') };
    // `keepOpen`: this process keeps its copy of the connection until the worker says `taken`.
    worker.send(message, socket, { keepOpen: true }, (err: Error | null) => {
      // The channel is closed: the worker is gone, `removeWorker` hands the connection on.
      if (err && !worker.isConnected()) removeWorker(worker);
    });
  };

  const removeWorker = (worker: Worker) => {
    const i = ready.indexOf(worker);
    if (i !== -1) ready.splice(i, 1);
    for (const [sid, s] of sessions) if (s.worker === worker) sessions.delete(sid);
    if (worker.isConnected()) return;
    // Not taken: the worker never read from these connections, so they can start over elsewhere.
    for (const [id, h] of handovers) {
      if (h.worker !== worker) continue;
      handovers.delete(id);
      if (!h.socket.destroyed) route(h.socket, h.head, h.sid);
    }
  };

  // Stop reading so that no byte after `head` is read here: node's handle passing leaves the
  // primary's handle reading (into a no-op) until the worker acknowledges it.
  // (`util/read-stop.ts`, reported at start by the workers' `gateway/patches.ts`.)
  const stopReading = (socket: net.Socket) => {
    if (!stopReadingHandle(socket) && !readStopMissing) {
      readStopMissing = true;
      log.error({}, 'cluster: this node release cannot stop reading a socket before handing it over; request bodies may be cut');
    }
  };

  const server = net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.setTimeout(options.firstLineTimeoutMs ?? 60_000, () => socket.destroy());
    let head: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const eol = head.indexOf(0x0a);
      if (eol === -1 && head.length < MAX_LINE) return;
      socket.removeListener('data', onData);
      socket.pause();
      // Chunks the stream buffered before the pause belong to this request too.
      for (let more = socket.read() as Buffer | null; more !== null; more = socket.read() as Buffer | null) head = Buffer.concat([head, more]);
      stopReading(socket);
      socket.setTimeout(0);
      route(socket, head, eol === -1 ? undefined : parseRequestLine(head.toString('latin1', 0, eol)).sid);
    };
    socket.on('data', onData);
  });
  server.on('error', (err) => log.error({ err }, 'cluster: the listening socket failed'));

  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port, host }, () => {
          server.removeListener('error', reject);
          resolve(server.address() as net.AddressInfo);
        });
      }),
    addWorker(worker) {
      if (!ready.includes(worker)) ready.push(worker);
    },
    removeWorker,
    bindSession(worker, sid) {
      if (ready.includes(worker)) sessions.set(sid, { worker, seen: Date.now() });
    },
    taken(worker, id) {
      const h = handovers.get(id);
      if (h?.worker !== worker) return;
      handovers.delete(id);
      // Closes this process's descriptor only: the connection lives on in the worker.
      h.socket.destroy();
    },
    sessions: () => sessions.size,
    async close() {
      clearInterval(sweep);
      // Not waiting for `close`'s callback: node counts the handed-over sockets, which stay open
      // in the workers until they stop.
      if (server.listening) server.close();
    },
  };
}
