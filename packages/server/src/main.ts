#!/usr/bin/env node
/**
 * `npm start`: run Herald from the environment. With nothing configured it runs on dev
 * defaults (SQLite under ./data/, a generated API key and JWT secret kept in
 * ./data/dev-credentials.json) and prints how to use it. With `HERALD_WORKERS` above 1 this
 * process becomes the primary of that many workers on the one port (see `cluster/`), and each
 * worker runs this file again.
 */
import cluster from 'node:cluster';
import path from 'node:path';
import { createTokenVerifier } from './auth/index.js';
import { createPrimaryLog, runPrimary, runWorker } from './cluster/index.js';
import { applyDevDefaults, explainStartupError, parseConfig, type DevDefaults, type HeraldConfig } from './config/index.js';
import { createServer, type HeraldServer } from './server.js';

/**
 * The dev start's instructions. Its sample publish goes to `broadcast`, a channel the README's
 * tutorial does not use, so the tutorial's seq numbers hold whether or not the reader ran it.
 */
function banner(url: string, config: HeraldConfig, dev: NonNullable<DevDefaults['dev']>, demoToken: string): string {
  const credentials = path.relative(process.cwd(), dev.file) || dev.file;
  // The dev key is only in force when HERALD_API_KEYS was not set.
  const devKeyInUse = config.apiKeys.includes(dev.credentials.apiKey);
  const keyLine = !devKeyInUse
    ? 'export HERALD_API_KEY=<one of your HERALD_API_KEYS>'
    : dev.created
      ? `export HERALD_API_KEY=${dev.credentials.apiKey}`
      : `export HERALD_API_KEY=$(node -p "require('./${credentials}').apiKey")`;
  const db = config.database.kind === 'sqlite' ? `SQLite ${path.relative(process.cwd(), config.database.file)}` : 'PostgreSQL';
  const nodes = config.workers > 1 ? `${config.workers} workers` : 'single node';
  return `
  Herald is running at ${url}   (dev defaults: ${db}, ${nodes})

  ${dev.created ? `New dev credentials were generated and stored in ${credentials} (shown once).` : `Dev credentials: ${credentials}`}

  1. Your API key, for server-side calls:
       ${keyLine}

  2. Publish a message to every connected client:
       curl -s ${url}/v1/publish \\
         -H "Authorization: Bearer $HERALD_API_KEY" -H 'Content-Type: application/json' \\
         -d '{"channel":"broadcast","event":"hello","data":{"text":"Hello from Herald"}}'

  3. A client token for demo-user (valid 24 h; mint more with npx herald token <sub>):
       ${demoToken}

     Connect with socket.io-client:  io('${url}', { auth: { token } })
     API reference: ${url}/docs · commands: npx herald --help · README.md · docs/protocol.md
     Health: ${url}/healthz · metrics: ${url}/metrics
`;
}

/** The configuration, once parsed: start-up errors are explained in terms of its variables. */
let started: HeraldConfig | undefined;

/** The configuration; a `ConfigError` (every bad variable at once) ends the start in `main().catch`. */
function configFrom(env: Record<string, string | undefined>): HeraldConfig {
  started = parseConfig(env);
  return started;
}

async function main(): Promise<void> {
  // A worker's environment comes from its primary, dev defaults and its own node id included.
  if (cluster.isWorker) return runWorker(configFrom(process.env));
  const { env, dev } = applyDevDefaults(process.env, process.cwd());
  const config = configFrom(env);
  if (config.workers > 1) {
    const log = createPrimaryLog(config.logLevel);
    return runPrimary({
      config,
      env,
      log,
      async onListening(url) {
        if (!dev) return log.info({ url, workers: config.workers }, 'Herald is listening');
        const { token } = await createTokenVerifier(config.jwt).mint({ sub: 'demo-user', roles: ['admin'], channels: ['demo:*'] }, 24 * 3600);
        process.stdout.write(banner(url, config, dev, token));
      },
    });
  }

  const server: HeraldServer = await createServer(config);
  const url = await server.listen();
  if (dev) {
    const { token } = await server.tokens.mint({ sub: 'demo-user', roles: ['admin'], channels: ['demo:*'] }, 24 * 3600);
    process.stdout.write(banner(url, config, dev, token));
  } else {
    server.http.log.info({ url }, 'Herald is listening');
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.http.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      (err) => {
        server.http.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err) => {
  // An expected failure (a bad variable, a port in use, a database path it cannot write) gets
  // one line naming the variable; anything else keeps its stack for a bug report.
  const explained = explainStartupError(err, started);
  if (explained !== undefined) process.stderr.write(`herald: ${explained}\n`);
  else process.stderr.write(`herald: failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
