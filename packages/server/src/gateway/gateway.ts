/**
 * The Socket.IO gateway: handshake authentication with coded `connect_error`s, one
 * `Connection` per socket, and delivery of bus messages to this node's subscriptions.
 */
import type { Server as HttpServer } from 'node:http';
import { HeraldError, type ClientToServerEvents, type ServerToClientEvents } from '@herald/protocol';
import { Server, type Socket } from 'socket.io';
import { inboxChannels, type TokenVerifier } from '../auth/index.js';
import type { Bus } from '../bus/index.js';
import type { HeraldConfig } from '../config/index.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Store } from '../store/index.js';
import { HeraldAdapter } from './adapter.js';
import { createBackpressure } from './backpressure.js';
import { Connection, type ConnectionDeps, type HandshakeData, type SocketOperation, type UserCount } from './connection.js';
import { wantsNamedEvents } from './named-events.js';
import { heraldParser } from './parser.js';
import { createExpirySweep } from './expiry-sweep.js';
import { createGapFiller } from './gap-filler.js';
import { createResync } from './resync.js';
import { compactSocketListeners } from './lean-emitters.js';
import { forgetMasks, trimConnectionArrays, trimEnginePerConnection } from './lean-engine.js';
import { patchObserver } from './patches.js';
import { sweepPings } from './ping-sweep.js';
import type { Registry } from './registry.js';

export interface Gateway {
  readonly connections: () => number;
  close(): Promise<void>;
}

export interface GatewayDeps {
  config: HeraldConfig;
  httpServer: HttpServer;
  store: Store;
  bus: Bus;
  tokens: TokenVerifier;
  metrics: Metrics;
  registry: Registry;
  operations: Readonly<Record<string, SocketOperation>>;
  log: { error(obj: unknown, msg: string): void; warn(obj: unknown, msg: string): void; info(obj: unknown, msg: string): void };
}

type Handshake = Socket['handshake'];
/** What `socket.handshake` reads once the socket is connected: shared, empty, frozen. */
const SPENT_HANDSHAKE: Handshake = Object.freeze({
  headers: Object.freeze({}),
  time: '',
  address: '',
  xdomain: false,
  secure: false,
  issued: 0,
  url: '',
  query: Object.freeze({}),
  auth: Object.freeze({}),
});

/** A page served by Herald itself (same scheme, host and port) needs no CORS entry. */
function isSameOrigin(req: { headers: { origin?: string | undefined; host?: string | undefined } }): boolean {
  try {
    return new URL(req.headers.origin!).host === req.headers.host;
  } catch {
    return false;
  }
}

/** A refused handshake: the client gets `connect_error` with `data.code`. */
function handshakeError(err: unknown): Error & { data: { code: string } } {
  const code = err instanceof HeraldError ? err.code : 'AUTH_INVALID';
  const message = err instanceof HeraldError ? err.message : 'The token could not be verified';
  return Object.assign(new Error(message), { data: { code } });
}

/** Open sockets per `sub`: a user's entry goes with their last socket. */
function createUserCount(): UserCount {
  const open = new Map<string, number>();
  return {
    count: (sub) => open.get(sub) ?? 0,
    open: (sub) => void open.set(sub, (open.get(sub) ?? 0) + 1),
    close(sub) {
      const n = (open.get(sub) ?? 1) - 1;
      if (n <= 0) open.delete(sub);
      else open.set(sub, n);
    },
  };
}

export function createGateway({ config, httpServer, store, bus, tokens, metrics, registry, operations, log }: GatewayDeps): Gateway {
  const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, HandshakeData | Connection>(httpServer, {
    path: '/socket.io',
    serveClient: false,
    cors: config.corsOrigins === '*' ? { origin: true } : { origin: [...config.corsOrigins] },
    adapter: HeraldAdapter,
    // socket.io-parser with acks that carry JSON Herald built once (a replay's messages).
    parser: heraldParser,
    pingInterval: 25_000,
    pingTimeout: 20_000,
    // Browsers send Origin on the WebSocket upgrade too, and CORS headers do not guard upgrades:
    // refuse origins outside HERALD_CORS_ORIGINS here. Non-browser clients send no Origin.
    allowRequest: (req, callback) => {
      const origin = req.headers.origin;
      callback(null, origin === undefined || config.corsOrigins === '*' || config.corsOrigins.includes(origin) || isSameOrigin(req));
    },
  });

  // Each library patch reports, per connection, whether it took effect (see patches.ts).
  const patches = patchObserver(log, metrics);
  // engine.io keeps the upgrade request and more for each connection's life: let go of them.
  trimEnginePerConnection(io.engine, patches);
  // engine.io's heartbeat pings on one timer rather than one per connection.
  const pings = createExpirySweep((err) => log.error({ err }, 'heartbeat ping failed'));
  sweepPings(io.engine, pings, patches);

  const users = createUserCount();
  io.use(async (socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown; events?: unknown } | undefined;
    let named: boolean;
    try {
      named = wantsNamedEvents(auth?.events);
    } catch (err) {
      next(handshakeError(err));
      return;
    }
    const token = auth?.token;
    if (typeof token !== 'string' || token === '') {
      next(handshakeError(new HeraldError('AUTH_REQUIRED', 'Send auth: { token } in the handshake')));
      return;
    }
    try {
      const principal = await tokens.verify(token);
      // Checked when the handshake is answered; handshakes of one user in flight together may
      // each pass it, so the count can end a few above the limit, never far.
      const max = config.limits.connectionsPerUser;
      if (max !== 0 && users.count(principal.sub) >= max) {
        metrics.limitRefusals.inc({ limit: 'connections_per_user' });
        next(handshakeError(new HeraldError('CONNECTION_LIMIT', undefined)));
        return;
      }
      const states = await store.channelStates(inboxChannels(principal));
      socket.data = { principal, inboxHeads: new Map([...states].map(([c, s]) => [c, s.head])), named };
      next();
    } catch (err) {
      if (!(err instanceof HeraldError)) log.error({ err }, 'handshake failed');
      next(handshakeError(err));
    }
  });

  const expiry = createExpirySweep((err) => log.error({ err }, 'token expiry failed'));
  const gaps = createGapFiller(store, (n) => metrics.gapFilled.inc(n));
  // One set of dependencies for every connection of this server.
  const deps: ConnectionDeps = {
    store,
    registry,
    tokens,
    metrics,
    operations,
    knownEvents: new Set(['subscribe', 'unsubscribe', 'auth', ...Object.keys(operations)]),
    expiry,
    gaps,
    backpressure: createBackpressure(config.limits.socketBufferBytes, (socket, bytes) => {
      metrics.slowConsumerDisconnects.inc();
      log.warn({ code: 'SLOW_CONSUMER', bytes, socket: socket.id }, 'socket not reading: closed its transport, the client reconnects and replays');
    }),
    limits: config.limits,
    users,
    patches,
    log,
  };
  io.on('connection', (socket) => {
    // Nothing reads `socket.handshake` once the socket is connected (socket.io itself only for
    // `fetchSockets`, which Herald does not use); the one socket.io built keeps the token, its
    // `auth` object and a date string for the connection's life (~0.5 KiB per idle connection).
    (socket as { handshake: Handshake }).handshake = SPENT_HANDSHAKE;
    // The Connection takes the place of the handshake's result in `socket.data`.
    const { principal, inboxHeads, named } = socket.data as HandshakeData;
    new Connection(socket, principal, inboxHeads, deps, named);
    // Every listener of the socket's emitters is in place now: their tables can be compacted.
    const compacted = compactSocketListeners(socket);
    const trimmed = trimConnectionArrays(socket.conn);
    const forgot = forgetMasks(socket.conn);
    // The ws-level ones only exist on a WebSocket connection (a polling one may upgrade later).
    if (socket.conn.transport.name === 'websocket') {
      patches('compact-listeners', compacted);
      patches('engine-connection-arrays', trimmed);
      patches('ws-forget-masks', forgot);
    }
  });

  const unsubscribeBus = bus.subscribe((messages) => registry.dispatch(messages));
  const resync = createResync(store, registry, log);
  const unsubscribeMissed = bus.onMissed(() => resync.request());

  return {
    connections: () => io.engine.clientsCount,
    async close() {
      unsubscribeBus();
      unsubscribeMissed();
      expiry.stop();
      pings.stop();
      // The HTTP server belongs to fastify, which closes it; here only the transports end. Closing
      // the transports (not `disconnectSockets`, which clients read as "server kicked me out and
      // do not retry) lets every client reconnect on its own to whichever node comes up.
      io.engine.close();
    },
  };
}
