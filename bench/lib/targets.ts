/**
 * Servers under test behind one interface, so a scenario runs the same load against Herald and
 * each baseline: start it, name a channel the way it accepts, hand out client specs (and tokens),
 * publish over its HTTP API, read its CPU and memory, stop it.
 */
import { execFile } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { jsonClient, type JsonClient } from './http.js';
import type { BenchData } from './payload.js';
import type { ClientSpec } from './protocols.js';
import { freePort, REPO_ROOT, spawnServer, startHerald, type HeraldProcess, type ServerProcess } from './server.js';

export type TargetName = 'herald' | 'socketio' | 'rawws' | 'soketi';

/**
 * Herald's clients ask for named events (`auth.events: 'named'`) with `BENCH_HERALD_EVENTS=named`:
 * each message then arrives as its own Socket.IO packet instead of in a `messages` batch.
 */
const HERALD_EVENTS = process.env.BENCH_HERALD_EVENTS || undefined;

export const LABELS: Record<TargetName, string> = {
  herald: HERALD_EVENTS ? `Herald (events: ${HERALD_EVENTS})` : 'Herald',
  socketio: 'stock Socket.IO',
  rawws: 'raw ws, corked',
  soketi: 'Soketi',
};

export interface Target {
  readonly name: TargetName;
  readonly label: string;
  readonly server: ServerProcess;
  /** The name this server accepts for benchmark channel `base` (`bench:fanout`, `bench-fanout`). */
  channel(base: string): string;
  /** What `n` clients of `channel` need: the spec for the workers and, for Herald, one token each. */
  clients(channel: string, n: number, onProgress?: (done: number) => void): Promise<{ spec: ClientSpec; tokens?: string[] }>;
  /** Publish `data` as messages on `channel` in one HTTP request (a batch when more than one). */
  publish(channel: string, data: BenchData[]): Promise<void>;
  stop(): Promise<void>;
}

/** Herald, with its process handle (restart, API key) for the scenarios that need more. */
export interface HeraldTarget extends Target {
  readonly herald: HeraldProcess;
  readonly http: JsonClient;
}

/** A target that could not be started here (Soketi without its native module, say). */
export class TargetUnavailable extends Error {}

const BASELINES = fileURLToPath(new URL('../baselines/', import.meta.url));
/** Soketi's own package; `BENCH_PEERS_DIR` points elsewhere (to try the "does not install" path). */
const PEERS = process.env.BENCH_PEERS_DIR ? path.resolve(process.env.BENCH_PEERS_DIR) : fileURLToPath(new URL('../peers/', import.meta.url));
const SOKETI_BIN = path.join(PEERS, 'node_modules/@soketi/soketi/bin/server.js');

async function check(r: Promise<{ status: number; body: unknown }>, what: string): Promise<void> {
  const { status, body } = await r;
  if (status !== 200) throw new Error(`${what}: HTTP ${status} ${JSON.stringify(body).slice(0, 300)}`);
}

/** Run `fn(i)` for i < n with `concurrency` at once. */
async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, concurrency) }, async () => {
    while (next < n) await fn(next++);
  }));
}

/** Herald from its build, with `env` over the bench defaults (see `startHerald`). */
export async function startHeraldTarget(env: Record<string, string> = {}, label: string = LABELS.herald): Promise<HeraldTarget> {
  const herald = await startHerald(env);
  const http = jsonClient(herald.url, 32);
  const tokenCache: string[] = [];
  return {
    name: 'herald',
    label,
    server: herald,
    herald,
    http,
    channel: (base) => `bench:${base}`,
    async clients(channel, n, onProgress) {
      // One token per client (users bench-0 … bench-n), minted through the API like an app would.
      const missing = n - tokenCache.length;
      if (missing > 0) {
        const start = tokenCache.length;
        let done = 0;
        await pool(missing, 32, async (k) => {
          const i = start + k;
          const r = await http.request<{ token: string }>('POST', '/v1/tokens', herald.apiKey, {
            sub: `bench-${i}`,
            channels: ['bench:*'],
            ttlSeconds: 6 * 3600,
          });
          if (r.status !== 200) throw new Error(`minting a token: HTTP ${r.status} ${JSON.stringify(r.body)}`);
          tokenCache[i] = r.body.token;
          onProgress?.(++done);
        });
      }
      return { spec: { protocol: 'herald', url: herald.url, channel, events: HERALD_EVENTS }, tokens: tokenCache.slice(0, n) };
    },
    publish(channel, data) {
      if (data.length === 1) return check(http.request('POST', '/v1/publish', herald.apiKey, { channel, event: 'bench', data: data[0] }), 'publish');
      return check(
        http.request('POST', '/v1/publish/batch', herald.apiKey, { items: data.map((d) => ({ channel, event: 'bench', data: d })) }),
        'publish/batch',
      );
    },
    async stop() {
      http.close();
      await herald.stop();
    },
  };
}

/**
 * Two nodes of one Herald cluster as one target: clients connect to `subscribe` (and their tokens
 * are minted there), messages are published through `publish`'s HTTP API. Stopping it stops both.
 */
export function crossNodeTarget(publish: HeraldTarget, subscribe: HeraldTarget, label: string): HeraldTarget {
  return {
    ...subscribe,
    label,
    publish: (channel, data) => publish.publish(channel, data),
    async stop() {
      await publish.stop();
      await subscribe.stop();
    },
  };
}

/** The two baselines of `bench/baselines/` share one HTTP API: POST /publish and /publish/batch. */
async function startBaseline(name: 'socketio' | 'rawws'): Promise<Target> {
  const file = name === 'socketio' ? 'socketio-stock.ts' : 'raw-ws.ts';
  const server = await spawnServer({
    name: LABELS[name],
    args: [path.join(BASELINES, file)],
    nodeArgs: ['--import', 'tsx'],
    // tsx resolves from the repository root.
    cwd: REPO_ROOT,
    env: { NODE_ENV: 'production' },
    urlPattern: /"url":"(http:[^"]+)"/,
  });
  const http = jsonClient(server.url, 8);
  return {
    name,
    label: LABELS[name],
    server,
    channel: (base) => `bench-${base}`,
    async clients(channel) {
      return { spec: { protocol: name === 'socketio' ? 'socketio' : 'raw', url: server.url, channel } };
    },
    publish(channel, data) {
      if (data.length === 1) return check(http.request('POST', '/publish', '', { channel, event: 'bench', data: data[0] }), 'publish');
      return check(http.request('POST', '/publish/batch', '', { channel, items: data.map((d) => ({ event: 'bench', data: d })) }), 'publish/batch');
    },
    async stop() {
      http.close();
      await server.stop();
    },
  };
}

let soketiInstall: Promise<void> | null = null;

/**
 * Install Soketi into `bench/peers/` (its own package, outside the workspace) the first time it
 * is needed. Its uWebSockets.js comes from the registry through the `overrides` entry there.
 */
function ensureSoketi(): Promise<void> {
  soketiInstall ??= (async () => {
    if (fs.existsSync(SOKETI_BIN)) return;
    process.stderr.write('  installing Soketi into bench/peers (npm install --prefix bench/peers) …\n');
    try {
      await promisify(execFile)('npm', ['install', '--prefix', PEERS, '--no-audit', '--no-fund'], { cwd: REPO_ROOT, timeout: 300_000 });
    } catch (err) {
      const lines = String((err as { stderr?: string }).stderr ?? err).split('\n');
      const errors = lines.filter((l) => /npm (error|ERR!)/.test(l) && !/complete log|A complete log/.test(l)).map((l) => l.replace(/^npm (error|ERR!)\s*/, ''));
      const reason = (errors.length ? errors.slice(0, 2) : lines.filter(Boolean).slice(-2)).join(' ').trim();
      throw new TargetUnavailable(`did not install — ${reason.slice(0, 200)}`);
    }
    if (!fs.existsSync(SOKETI_BIN)) throw new TargetUnavailable('did not install — bench/peers has no @soketi/soketi after npm install');
  })();
  return soketiInstall;
}

/** Soketi (Pusher protocol) where it installs; `TargetUnavailable` says why not. */
async function startSoketi(): Promise<Target> {
  await ensureSoketi();
  const app = { id: 'bench', key: 'bench-key', secret: 'bench-secret' };
  const port = await freePort();
  const metricsPort = await freePort();
  const clusterPort = await freePort();
  let server: ServerProcess;
  try {
    server = await spawnServer({
      name: 'Soketi',
      args: [SOKETI_BIN, 'start', '--config=soketi.json'],
      env: {
        NODE_ENV: 'production',
        SOKETI_DEFAULT_APP_ID: app.id,
        SOKETI_DEFAULT_APP_KEY: app.key,
        SOKETI_DEFAULT_APP_SECRET: app.secret,
        SOKETI_EVENT_MAX_BATCH_SIZE: '1000',
        SOKETI_METRICS_ENABLED: 'false',
      },
      urlPattern: /HTTP API server is available at (http:\/\/[\d.]+:\d+)/,
      dir: soketiDir({
        host: '127.0.0.1',
        port,
        'metrics.host': '127.0.0.1',
        'metrics.port': metricsPort,
        // Soketi's node discovery broadcasts UDP hellos to 255.255.255.255 by default: keep it on
        // the loopback (bound to and sending to 127.0.0.1 only).
        'cluster.address': '127.0.0.1',
        'cluster.hostname': '127.0.0.1',
        'cluster.unicast': '127.0.0.1',
        'cluster.port': clusterPort,
      }),
    });
  } catch (err) {
    throw new TargetUnavailable(`did not start — ${String((err as Error).message).split('\n').filter(Boolean).slice(-3).join(' ').slice(0, 300)}`);
  }
  const http = jsonClient(server.url, 8);
  const signed = (p: string, body: string) => {
    const params: Record<string, string> = {
      auth_key: app.key,
      auth_timestamp: String(Math.floor(Date.now() / 1000)),
      auth_version: '1.0',
      body_md5: createHash('md5').update(body).digest('hex'),
    };
    const query = Object.keys(params)
      .sort()
      .map((k) => `${k}=${params[k]}`)
      .join('&');
    const signature = createHmac('sha256', app.secret).update(`POST\n${p}\n${query}`).digest('hex');
    return `${p}?${query}&auth_signature=${signature}`;
  };
  return {
    name: 'soketi',
    label: LABELS.soketi,
    server,
    channel: (base) => `bench-${base}`,
    async clients(channel) {
      return { spec: { protocol: 'pusher', url: server.url, channel, appKey: app.key } };
    },
    publish(channel, data) {
      // Pusher event data is a string: the JSON of our payload (its mark survives the escaping).
      const event = (d: BenchData) => ({ name: 'message', channel, data: JSON.stringify(d) });
      const [p, body] =
        data.length === 1 ? [`/apps/${app.id}/events`, event(data[0]!)] : [`/apps/${app.id}/batch_events`, { batch: data.map(event) }];
      // The signature covers the exact body bytes: jsonClient sends JSON.stringify(body).
      return check(http.request('POST', signed(p, JSON.stringify(body)), '', body), 'Soketi publish');
    },
    async stop() {
      http.close();
      await server.stop();
    },
  };
}

/** A working directory holding Soketi's config file. */
function soketiDir(config: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soketi-bench-'));
  fs.writeFileSync(path.join(dir, 'soketi.json'), JSON.stringify(config));
  return dir;
}

export async function startTarget(name: TargetName): Promise<Target> {
  switch (name) {
    case 'herald':
      return startHeraldTarget();
    case 'socketio':
    case 'rawws':
      return startBaseline(name);
    case 'soketi':
      return startSoketi();
  }
}
