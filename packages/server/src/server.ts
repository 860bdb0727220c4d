/**
 * `createServer(config)`: one Herald node — store, bus, HTTP API and Socket.IO gateway on one port.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createApiKeyChecker, createAuthenticator, createTokenVerifier, type TokenVerifier } from './auth/index.js';
import { createMemoryBus } from './bus/index.js';
import { createPublisher } from './channels/publisher.js';
import { createSyncService } from './channels/sync.js';
import type { HeraldConfig } from './config/index.js';
import { createGateway } from './gateway/gateway.js';
import { createRegistry } from './gateway/registry.js';
import { buildHttp } from './http/app.js';
import { createInbox } from './inbox/service.js';
import { createMetrics } from './metrics/metrics.js';
import { createStatsSampler } from './metrics/stats.js';
import { openStore, type Store } from './store/index.js';

export interface HeraldServer {
  /** Start listening on `config.host:config.port`; resolves with the base URL. */
  listen(): Promise<string>;
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
  const store = await openStore(config.database);
  const bus = createMemoryBus();
  const metrics = createMetrics();
  const tokens = createTokenVerifier(config.jwt);
  const authenticator = createAuthenticator(createApiKeyChecker(config.apiKeys), tokens);
  const publisher = createPublisher(store, bus, metrics);
  const sync = createSyncService(store, bus, metrics);
  const inbox = createInbox(store, publisher);
  let gatewayRef: ReturnType<typeof createGateway> | undefined;
  const stats = createStatsSampler(metrics, {
    connections: () => gatewayRef?.connections() ?? 0,
    subscriptions: () => registry.size,
  });
  // The registry is shared by the gateway (writes) and the presence route (reads).
  const registry = createRegistry((n) => metrics.delivered.inc(n));
  const http = await buildHttp({ config, authenticator, tokens, store, bus, metrics, stats, publisher, sync, registry, inbox });
  const gateway = createGateway({
    config,
    httpServer: http.server,
    store,
    bus,
    tokens,
    metrics,
    registry,
    operations: inbox.socketOperations,
    log: http.log,
  });
  gatewayRef = gateway;

  let retentionTimer: NodeJS.Timeout | undefined;
  let pruning: Promise<unknown> = Promise.resolve();
  const prune = () => {
    pruning = store.prune(config.retention, Date.now()).then(
      (r) => r.messages + r.idempotencyKeys > 0 && http.log.info(r, 'retention removed expired data'),
      (err) => http.log.error({ err }, 'retention failed'),
    );
  };

  return {
    http,
    tokens,
    store,
    async listen() {
      await http.listen({ port: config.port, host: config.host });
      prune();
      retentionTimer = setInterval(prune, config.retentionIntervalMs);
      retentionTimer.unref();
      const { port } = http.server.address() as AddressInfo;
      const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
      return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    },
    async close() {
      clearInterval(retentionTimer);
      stats.stop();
      sync.close();
      await gateway.close();
      await http.close();
      await pruning;
      await bus.close();
      await store.close();
    },
  };
}
