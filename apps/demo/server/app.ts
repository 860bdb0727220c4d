/**
 * The demo's application back end: it owns the scenarios' data (in memory), mints client tokens
 * through Herald and announces every change through the outbox, exactly as a real back end
 * would. It also serves the built front end.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { createJobsScenario } from './domain/jobs.js';
import { createLoyaltyScenario } from './domain/loyalty.js';
import { createMarketplaceScenario } from './domain/marketplace.js';
import { createRestaurantScenario } from './domain/restaurant.js';
import { DemoError, installErrorHandler } from './errors.js';
import { createHerald } from '@herald/node';
import { createOutbox, type Logger, type Outbox } from './outbox.js';
import { registerTokenRoute } from './personas.js';
import { registerStaticFiles } from './static-files.js';

export interface DemoServerOptions {
  /** Herald's URL as this back end reaches it, e.g. `http://127.0.0.1:4700`. */
  heraldUrl: string;
  /** Herald's URL as browsers reach it (`GET /api/config`). @default heraldUrl */
  heraldPublicUrl?: string;
  /** One of Herald's API keys. Never sent to a browser. */
  apiKey: string;
  /** @default 4800; 0 picks a free port */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** The Vite build of the front end. @default apps/demo/dist/web */
  webDir?: string;
  /** Where the few log lines go. @default console (info and warn to stdout, errors to stderr) */
  log?: Logger;
  /** Delay of each automatic payment / payout step of the marketplace, ms. @default 1500 */
  stepMs?: number;
  /** Time between two jobs of the job queue, ms. @default 400 */
  jobIntervalMs?: number;
  /** The outbox's backoff: first cap and largest cap, ms. @default { minMs: 500, maxMs: 10000 } */
  retry?: { minMs: number; maxMs: number };
}

export interface DemoServer {
  /** Start listening; answers the base URL (`http://127.0.0.1:4800`). */
  listen(): Promise<string>;
  /** Stop the timers, the outbox worker and the HTTP server. */
  close(): Promise<void>;
  /** The outbox, for tests and shutdown (`drained()`, `size`). */
  readonly outbox: Outbox;
}

const consoleLog: Logger = {
  info: (line) => console.log(line),
  warn: (line) => console.log(line),
  error: (line) => console.error(line),
};

/** apps/demo/dist/web, whether this file runs built (dist/server) or from source (server/). */
function defaultWebDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const demo = path.basename(path.dirname(here)) === 'dist' ? path.resolve(here, '../..') : path.resolve(here, '..');
  return path.join(demo, 'dist', 'web');
}

/**
 * @example
 * const demo = createDemoServer({ heraldUrl: 'http://127.0.0.1:4700', apiKey, port: 0 });
 * const url = await demo.listen();
 */
export function createDemoServer(options: DemoServerOptions): DemoServer {
  const { heraldUrl, apiKey, port = 4800, host = '127.0.0.1', log = consoleLog } = options;
  // No retries inside the SDK: the outbox retries durably, with its own backoff and log lines.
  const api = createHerald({ url: heraldUrl, apiKey, retries: 0 });
  const outbox = createOutbox({
    api,
    log,
    ...(options.retry ? { retryMinMs: options.retry.minMs, retryMaxMs: options.retry.maxMs } : {}),
  });
  const restaurants = createRestaurantScenario(outbox);
  const loyalty = createLoyaltyScenario(outbox, restaurants.hasRestaurant);
  const jobs = createJobsScenario(outbox, { ...(options.jobIntervalMs !== undefined ? { intervalMs: options.jobIntervalMs } : {}) });
  const market = createMarketplaceScenario(outbox, { ...(options.stepMs !== undefined ? { stepMs: options.stepMs } : {}) });

  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  installErrorHandler(app, log.error);
  // Action routes (`/accept`, `/pay`…) take no body; accept them with or without a JSON content type.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
    body === '' ? done(null, undefined) : json(request, String(body), done),
  );
  app.setNotFoundHandler((request) => {
    throw new DemoError('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`);
  });

  app.get('/api/config', async () => ({ heraldUrl: options.heraldPublicUrl ?? heraldUrl }));
  registerTokenRoute(app, api, {
    hasRestaurant: restaurants.hasRestaurant,
    hasSession: restaurants.hasSession,
    guestIdOfCard: loyalty.guestIdOfCard,
  });
  restaurants.register(app);
  loyalty.register(app);
  jobs.register(app);
  market.register(app);
  registerStaticFiles(app, options.webDir ?? defaultWebDir());

  return {
    outbox,
    async listen() {
      await app.listen({ port, host });
      const address = app.server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      return `http://${host.includes(':') ? `[${host}]` : host}:${actual}`;
    },
    async close() {
      // Timers first: nothing may append to the outbox once it is closed.
      jobs.close();
      market.close();
      await app.close();
      await outbox.close();
    },
  };
}
