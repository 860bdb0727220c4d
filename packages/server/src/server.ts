/**
 * `createServer(config)`: one Herald node — store, bus, HTTP API and Socket.IO gateway on one port.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createApiKeyChecker, createAuthenticator, createTokenVerifier, type TokenVerifier } from './auth/index.js';
import pino from 'pino';
import { nodeIdOf, openBus, type Bus } from './bus/index.js';
import { createPublisher } from './channels/publisher.js';
import { createSyncService } from './channels/sync.js';
import type { HeraldConfig } from './config/index.js';
import { createGateway } from './gateway/gateway.js';
import { detectPatches, reportPatches } from './gateway/patches.js';
import { answerPresence, PRESENCE_TOPIC } from './gateway/presence.js';
import { createRegistry } from './gateway/registry.js';
import { buildHttp } from './http/app.js';
import { createInbox } from './inbox/service.js';
import { createMetrics } from './metrics/metrics.js';
import { createStatsSampler } from './metrics/stats.js';
import { openStore, type Store } from './store/index.js';

export interface HeraldServer {
  /** Start listening on `config.host:config.port`; resolves with the base URL. Calls `start()`. */
  listen(): Promise<string>;
  /**
   * Everything `listen()` does except binding the port: fastify ready, the retention timer. For a
   * worker of `HERALD_WORKERS`, whose connections are handed over by the primary (they are
   * emitted on `http.server`). Idempotent.
   */
  start(): Promise<void>;
  /** Stop accepting, end sockets and long-polls, close the store. */
  close(): Promise<void>;
  /** The fastify instance (for `inject()` in tests and embedding). */
  readonly http: FastifyInstance;
  /** Client token minting and verification with this server's keys. */
  readonly tokens: TokenVerifier;
  readonly store: Store;
}

/**
 * Build a Herald node from a parsed configuration.
 * @example
 * const server = await createServer(parseConfig(process.env));
 * const url = await server.listen();
 */
export async function createServer(config: HeraldConfig): Promise<HeraldServer> {
  const nodeId = nodeIdOf(config);
  // One logger for the node, HTTP and the rest alike; in a cluster each line says which node.
  const log = pino({
    level: config.logLevel,
    base: config.redisUrl === undefined ? undefined : { node: nodeId },
    // Credentials never reach the log.
    redact: ['req.headers.authorization', 'req.headers.cookie'],
  });
  let busRef: Bus | undefined;
  const metrics = createMetrics(() => busRef?.nodes().length ?? 1);
  // Which patches of library internals take effect here: probed once per process, logged per node.
  reportPatches(await detectPatches(), log, metrics);
  const store = await openStore(config.database, { applicationName: `herald:${nodeId}` });
  // The registry is shared by the gateway (writes), the presence route and resyncs (reads).
  const registry = createRegistry((n) => metrics.delivered.inc(n));
  let gatewayRef: ReturnType<typeof createGateway> | undefined;
  const status = () => ({
    connections: gatewayRef?.connections() ?? 0,
    subscriptions: registry.size,
    published: metrics.published.total,
    delivered: metrics.delivered.total,
  });
  let bus: Bus;
  try {
    bus = await openBus(config, nodeId, {
      status,
      log,
      onPublishFailed: () => metrics.busPublishFailures.inc(),
      onMissed: () => metrics.busResyncs.inc(),
    });
  } catch (err) {
    await store.close();
    throw err;
  }
  busRef = bus;
  const tokens = createTokenVerifier(config.jwt);
  const authenticator = createAuthenticator(createApiKeyChecker(config.apiKeys), tokens);
  const publisher = createPublisher(store, bus, metrics);
  const sync = createSyncService(store, bus, metrics);
  const inbox = createInbox(store, publisher);
  const stats = createStatsSampler(() => bus.nodes());
  const http = await buildHttp({ config, log, authenticator, tokens, store, bus, metrics, stats, publisher, sync, registry, inbox });
  const gateway = createGateway({
    config,
    httpServer: http.server,
    store,
    bus,
    tokens,
    metrics,
    registry,
    operations: inbox.socketOperations,
    log,
  });
  gatewayRef = gateway;
  bus.answer(PRESENCE_TOPIC, (question) => answerPresence(registry, question));

  let retentionTimer: NodeJS.Timeout | undefined;
  let pruning: Promise<unknown> = Promise.resolve();
  const prune = () => {
    pruning = store.prune(config.retention, Date.now()).then(
      (r) => r.messages + r.idempotencyKeys > 0 && http.log.info(r, 'retention removed expired data'),
      (err) => http.log.error({ err }, 'retention failed'),
    );
  };

  // Requests being answered. A worker's HTTP server never listens (the primary hands it
  // connections), so fastify's close cannot wait for them: close() does, before the store goes.
  let inFlight = 0;
  let drained: (() => void) | undefined;
  http.server.on('request', (_req, res) => {
    inFlight++;
    res.once('close', () => {
      if (--inFlight === 0) drained?.();
    });
  });
  const allAnswered = (ms: number) =>
    inFlight === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          drained = resolve;
          setTimeout(resolve, ms).unref();
        });

  const start = async () => {
    await http.ready();
    if (retentionTimer) return;
    prune();
    retentionTimer = setInterval(prune, config.retentionIntervalMs);
    retentionTimer.unref();
  };

  return {
    http,
    tokens,
    store,
    start,
    async listen() {
      await start();
      await http.listen({ port: config.port, host: config.host });
      const { port } = http.server.address() as AddressInfo;
      const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
      return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    },
    async close() {
      clearInterval(retentionTimer);
      stats.stop();
      sync.close();
      await gateway.close();
      // fastify closes the connections idle when it starts closing; a long-poll answered after
      // that (woken by sync.close(), it reads the store once more) leaves its keep-alive
      // connection idle until the keep-alive timeout, and close() would wait for it.
      const sweep = setInterval(() => http.server.closeIdleConnections(), 50);
      try {
        await http.close();
      } finally {
        clearInterval(sweep);
      }
      await allAnswered(10_000);
      await pruning;
      await bus.close();
      await store.close();
    },
  };
}
