/**
 * `herald start`: run the server exactly as `npm start` does, by loading `main.js` (the same
 * banner, dev defaults, workers, clean shutdown on SIGINT / SIGTERM and start-up error messages).
 */
import { integerArgument, stringOption, type CliContext, type CommandSpec, type Parsed } from './args.js';

export const spec: CommandSpec = {
  name: 'start',
  summary: 'Run the Herald server (what `npm start` runs).',
  usage: 'start [--port <port>] [--host <host>]',
  description: `Configured by the environment (README, "Configuration"). With no credentials configured it runs
on dev defaults, in the current directory: SQLite at ./data/herald.db, and an API key and JWT secret
generated once into ./data/dev-credentials.json, which the other herald commands then read.
SIGINT (Ctrl-C) or SIGTERM closes it cleanly with exit code 0; a bad setting stops it with exit
code 1 and a message naming the variable. The other commands call http://127.0.0.1:$HERALD_PORT
(4700): after --port, give them the same HERALD_PORT, or --url.`,
  positionals: [],
  options: {
    port: { type: 'string', value: '<port>', help: 'Port to listen on (sets HERALD_PORT; 0 picks a free one). Default 4700.' },
    host: { type: 'string', value: '<host>', help: 'Interface to listen on (sets HERALD_HOST). Default 0.0.0.0.' },
  },
  env: [
    ['HERALD_PORT, HERALD_HOST', 'where to listen (4700, 0.0.0.0)'],
    ['HERALD_DATABASE_URL', 'SQLite file (./data/herald.db) or postgres:// URL'],
    ['HERALD_API_KEYS', 'comma-separated API keys (dev: generated)'],
    ['HERALD_JWT_SECRET', 'HS256 secret for client tokens (dev: generated)'],
    ['HERALD_JWKS_URL', "JWKS of an identity provider's RS256 / ES256 tokens"],
    ['HERALD_REDIS_URL', 'Redis for several nodes'],
    ['HERALD_WORKERS', 'worker processes on this port (1, or auto)'],
    ['HERALD_LOG_LEVEL', 'pino level (info)'],
    ['NODE_ENV=production', 'no dev defaults: credentials must be set'],
  ],
  examples: ['herald start', 'herald start --port 8080', 'HERALD_DATABASE_URL=postgres://localhost/herald HERALD_WORKERS=auto herald start'],
};

export async function run(parsed: Parsed, ctx: CliContext): Promise<undefined> {
  const port = stringOption(parsed, 'port');
  const host = stringOption(parsed, 'host');
  // main.js reads the process environment (ctx.env is process.env in the binary, and main.js hands
  // it on to cluster workers), so the flags become the variables they stand for; the server
  // validates them like any HERALD_PORT / HERALD_HOST (a port above 65535 is refused there).
  if (port !== undefined) ctx.env.HERALD_PORT = String(integerArgument(port, '--port'));
  if (host !== undefined) ctx.env.HERALD_HOST = host;
  await import('../main.js');
  return undefined;
}
