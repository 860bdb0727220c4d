/**
 * One worker of `HERALD_WORKERS`: a whole Herald node (`createServer`) that binds no port. The
 * primary (`router.ts`) hands it client connections, and it tells the primary which Engine.IO
 * sessions it created so that their later requests come back here.
 */
import type { Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import type { HeraldConfig } from '../config/index.js';
import { createServer } from '../server.js';
import { ENGINE_PATH, isHeraldMessage, openPacketSid, type ConnectionMessage, type WorkerMessage } from './protocol.js';

/** Idle time after which a handed-over connection is closed (see `acceptFromPrimary`). */
const IDLE_TIMEOUT_MS = 65_000;

const send = (message: WorkerMessage) => {
  // The primary may be gone (it is then stopping us anyway): nothing to do about it.
  if (process.connected) process.send?.(message, undefined, {}, () => {});
};

/**
 * Take the connections the primary hands over: emit each on the HTTP server as if it had been
 * accepted here, with the bytes the primary already read put back in front.
 */
export function acceptFromPrimary(httpServer: HttpServer): void {
  // Node tracks the request and header timeouts only for connections of a listening server, so
  // a handed-over connection gets an idle timeout instead: longer than a long-poll (25 s) and
  // fastify's request timeout (60 s). Upgraded WebSockets clear it (`ws` sets no timeout).
  if (httpServer.timeout === 0) httpServer.timeout = IDLE_TIMEOUT_MS;
  // Every answer closes its connection: the primary routes per connection, and a kept-alive
  // connection could carry the next request of another worker's session (browsers and node's
  // agents share connections between requests of every kind).
  httpServer.maxRequestsPerSocket = 1;
  process.on('message', (message: unknown, handle: unknown) => {
    if (!isHeraldMessage<ConnectionMessage>(message, 'connection')) return;
    // Before anything is read from it (reads happen on a later turn of the event loop).
    send({ herald: 'taken', id: message.id });
    // Undefined when the client closed the connection while it was handed over.
    if (!handle) return;
    const socket = handle as Socket;
    httpServer.emit('connection', socket);
    socket.unshift(Buffer.from(message.head, 'base64'));
  });
}

/**
 * Tell the primary about each Engine.IO session this worker creates, read from the handshake's
 * answer (Engine.IO v4's open packet, `0{"sid":…}`) just before it is written, so the primary
 * knows the session before the client can name it. WebSocket-only handshakes need no routing:
 * their session lives and dies on one connection.
 */
export function reportSessions(httpServer: HttpServer, report: (sid: string) => void, unrecognised: () => void = () => {}): void {
  httpServer.prependListener('request', (req, res) => {
    const url = req.url ?? '';
    if (!url.startsWith(ENGINE_PATH) || /[?&]sid=/.test(url)) return;
    const end = res.end;
    res.end = function (this: typeof res, ...args: unknown[]) {
      res.end = end;
      const sid = openPacketSid(args[0]);
      if (sid !== undefined) report(sid);
      // A refused handshake (403, 400) has no session; an accepted one without a readable id
      // means Engine.IO changed its answer, and long-polling sessions will break across workers.
      else if (res.statusCode === 200) unrecognised();
      return (end as (...a: unknown[]) => typeof res).apply(this, args);
    } as typeof res.end;
  });
}

/**
 * Run this process as a worker: start a Herald node without binding the port, accept the
 * primary's connections, report ready, and stop on SIGTERM / SIGINT or when the primary is gone.
 */
export async function runWorker(config: HeraldConfig): Promise<void> {
  const server = await createServer(config);
  await server.start();
  const httpServer = server.http.server;
  let warned = false;
  reportSessions(
    httpServer,
    (sid) => send({ herald: 'session', sid }),
    () => {
      if (warned) return;
      warned = true;
      server.http.log.error({}, 'cluster: no session id found in a polling handshake answer; long-polling clients will fail across workers');
    },
  );
  acceptFromPrimary(httpServer);

  let stopping = false;
  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    server.http.log.info({ reason }, 'worker shutting down');
    // The primary kills what is left after its own 10 s; this is for a primary that died.
    setTimeout(() => process.exit(1), 10_000).unref();
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        server.http.log.error({ err }, 'worker shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Ctrl-C in a terminal reaches every process of the group, workers included.
  process.on('SIGINT', () => stop('SIGINT'));
  // Without a primary nobody routes connections here any more.
  process.on('disconnect', () => stop('primary gone'));
  send({ herald: 'ready' });
}
