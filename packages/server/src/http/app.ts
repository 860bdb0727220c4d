/** The fastify application: error handling, validation, CORS, every `/v1` route and their OpenAPI document. */
import cors from '@fastify/cors';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Authenticator, TokenVerifier } from '../auth/index.js';
import type { Bus } from '../bus/index.js';
import type { Publisher } from '../channels/publisher.js';
import type { SyncService } from '../channels/sync.js';
import type { HeraldConfig } from '../config/index.js';
import { clusterPresence } from '../gateway/presence.js';
import type { Registry } from '../gateway/registry.js';
import { inboxRoutes } from '../inbox/routes.js';
import type { Inbox } from '../inbox/service.js';
import type { Metrics } from '../metrics/metrics.js';
import type { StatsSampler } from '../metrics/stats.js';
import type { Store } from '../store/index.js';
import { createAuthHooks } from './auth.js';
import { installErrorHandling, toHeraldError } from './errors.js';
import { registerOpenApi } from './openapi.js';
import { registerRateLimits } from './rate-limit.js';
import { clientErrorHandler, installProtocolErrors } from './protocol-errors.js';
import { channelRoutes } from './routes/channels.js';
import { healthRoutes } from './routes/health.js';
import { publishRoutes } from './routes/publish.js';
import { syncRoutes } from './routes/sync.js';
import { tokenRoutes } from './routes/tokens.js';
import { installZodValidation } from './validation.js';

export interface HttpDeps {
  config: HeraldConfig;
  /** The node's logger (pino), shared with the gateway and the bus. */
  log: FastifyBaseLogger;
  authenticator: Authenticator;
  tokens: TokenVerifier;
  store: Store;
  bus: Bus;
  metrics: Metrics;
  stats: StatsSampler;
  publisher: Publisher;
  sync: SyncService;
  registry: Registry;
  inbox: Inbox;
}

export async function buildHttp(deps: HttpDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    loggerInstance: deps.log,
    bodyLimit: config.bodyLimit,
    // Per-request lines cost more than a publish; errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    // The time to receive a whole request (not to answer it: long-polls wait after it arrived).
    requestTimeout: config.requestTimeoutMs,
    // Node looks for requests past their timeout on this interval (30 s by default, longer than a
    // short timeout): a fifth of it, so a late request is cut within 20 % of the timeout.
    http: { connectionsCheckingInterval: Math.min(30_000, Math.max(250, Math.floor(config.requestTimeoutMs / 5))) },
    // Answered in Herald's format by `installProtocolErrors` instead.
    return503OnClosing: false,
    // Node's parser errors (431, 400, 505…) in Herald's format too.
    clientErrorHandler,
    // A `__proto__` or `constructor` key is kept as the own property JSON.parse makes of it: it
    // sets no prototype, every schema but `data` refuses unknown keys, and `data` is only ever
    // encoded, never merged (docs/protocol.md §3).
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
    // Channel names reach 200 characters, percent-encoded up to three times that.
    routerOptions: { maxParamLength: 800 },
    // Malformed URLs and the like answer in Herald's error format too.
    frameworkErrors: (error, _request, reply) => {
      const herald = toHeraldError(error);
      void (reply as FastifyReply).status(herald.status).send({ error: herald.toBody() });
    },
  });
  // JSON only: a body sent as text/plain is refused (415), never parsed as a string.
  app.removeContentTypeParser('text/plain');
  app.decorateRequest('principal', null);
  installErrorHandling(app);
  installProtocolErrors(app);
  installZodValidation(app);
  if (config.corsOrigins === '*' || config.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: config.corsOrigins === '*' ? true : [...config.corsOrigins],
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type'],
      maxAge: 600,
    });
  }
  // Requests per second per credential (HERALD_HTTP_RATE_*), for every route registered below.
  await registerRateLimits(app, config.limits, deps.metrics);
  // Before the routes: the document is made of every route registered after it.
  await registerOpenApi(app);
  const auth = createAuthHooks(deps.authenticator);
  publishRoutes(app, { auth, publisher: deps.publisher });
  tokenRoutes(app, { auth, tokens: deps.tokens });
  channelRoutes(app, { auth, store: deps.store, presence: (channel) => clusterPresence(deps.registry, deps.bus, channel) });
  syncRoutes(app, { auth, sync: deps.sync });
  inboxRoutes(app, { auth, inbox: deps.inbox });
  healthRoutes(app, { auth, store: deps.store, bus: deps.bus, metrics: deps.metrics, stats: deps.stats });
  return app;
}
