/**
 * Test harness: a real Herald server on port 0 with its own SQLite file in a fresh temp
 * directory (or, with `HERALD_TEST_STORE=postgres`, its own fresh PostgreSQL database: see
 * `pg-database.ts`), real HTTP requests through `fetch`, and real `socket.io-client` sockets.
 * Nothing here reaches into the server; it only uses the public API (`createServer`,
 * `parseConfig`) and the wire contract.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import { io, type Socket } from 'socket.io-client';
import { onTestFinished } from 'vitest';
import { createServer, parseConfig } from '../src/index.js';
import { storeEnv } from './pg-database.js';

/** A message as delivered (SPEC §2). */
export interface WireMessage {
  id: string;
  channel: string;
  seq: number;
  event: string;
  data: unknown;
  ts: number;
}

export interface Ref {
  channel: string;
  seq: number;
  id: string;
}

export interface HttpAnswer<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

type HeraldServer = Awaited<ReturnType<typeof createServer>>;

/** A running server plus what a test needs to talk to it. */
export interface Herald {
  url: string;
  dir: string;
  apiKey: string;
  secret: string;
  env: Record<string, string>;
  /** Close the server, then start a new one on the same data file (or database); `url` changes. */
  restart(): Promise<void>;
  /** Stop the server (it is also stopped when the test ends). */
  stop(): Promise<void>;
}

/** A fresh temp directory, removed when the current test ends. */
export function tempDir(prefix = 'herald-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The environment a test server starts with (override any variable through `extra`). */
export function testEnv(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    HERALD_PORT: '0',
    HERALD_HOST: '127.0.0.1',
    HERALD_DATABASE_URL: path.join(dir, 'herald.db'),
    HERALD_JWT_SECRET: `test-secret-${randomBytes(24).toString('hex')}`,
    HERALD_API_KEYS: `hk_test_${randomBytes(18).toString('hex')}`,
    HERALD_LOG_LEVEL: 'silent',
    ...extra,
  };
}

/**
 * Start a server for the current test, in its own temp directory (and, under
 * `HERALD_TEST_STORE=postgres`, on its own new database unless `extra` names one). Sockets opened
 * through `connect` and the server itself are closed, then the directory and database removed,
 * when the test ends.
 */
export async function startHerald(extra: Record<string, string> = {}): Promise<Herald> {
  const dir = tempDir();
  const env = testEnv(dir, { ...(extra.HERALD_DATABASE_URL === undefined ? await storeEnv() : {}), ...extra });
  const config = parseConfig(env, dir);
  let server: HeraldServer | undefined = await createServer(config);
  const herald: Herald = {
    url: await server.listen(),
    dir,
    apiKey: env.HERALD_API_KEYS!,
    secret: env.HERALD_JWT_SECRET!,
    env,
    async restart() {
      await herald.stop();
      server = await createServer(config);
      herald.url = await server.listen();
    },
    async stop() {
      const s = server;
      server = undefined;
      if (s) await s.close();
    },
  };
  // Registered after the temp-dir and database hooks, so it runs first (hooks run in reverse order).
  onTestFinished(() => herald.stop());
  return herald;
}

// ---------------------------------------------------------------------------------------------
// HTTP

export interface RequestOptions {
  /** Authorization credential: defaults to the API key; `null` sends no Authorization header. */
  auth?: string | null;
  /** A raw body sent as-is (for malformed JSON). */
  raw?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** One real HTTP request; answers status, parsed JSON body (when JSON) and text. */
export async function request<T = any>(
  h: Herald,
  method: string,
  pathname: string,
  body?: unknown,
  opts: RequestOptions = {},
): Promise<HttpAnswer<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  const auth = opts.auth === undefined ? h.apiKey : opts.auth;
  if (auth !== null) headers.authorization = `Bearer ${auth}`;
  let payload: string | undefined;
  if (opts.raw !== undefined) payload = opts.raw;
  else if (body !== undefined) payload = JSON.stringify(body);
  if (payload !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
  const res = await fetch(h.url + pathname, {
    method,
    headers,
    ...(payload !== undefined ? { body: payload } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const text = await res.text();
  let parsed: any;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed as T, text, headers: res.headers };
}

/** POST /v1/publish with the API key; fails the test unless it answers 200. */
export async function publish(h: Herald, body: Record<string, unknown>): Promise<Ref[]> {
  const res = await request<{ messages: Ref[] }>(h, 'POST', '/v1/publish', body);
  if (res.status !== 200) throw new Error(`publish answered ${res.status}: ${res.text}`);
  return res.body.messages;
}

/** POST /v1/publish/batch with the API key; fails the test unless it answers 200. */
export async function publishBatch(h: Herald, items: unknown[]): Promise<any[]> {
  const res = await request<{ results: any[] }>(h, 'POST', '/v1/publish/batch', { items });
  if (res.status !== 200) throw new Error(`batch answered ${res.status}: ${res.text}`);
  return res.body.results;
}

/** Publish `count` messages to `channel` through batches (≤ 1000 items each). */
export async function publishMany(h: Herald, channel: string, count: number, event = 'test:many'): Promise<void> {
  for (let start = 0; start < count; start += 1000) {
    const n = Math.min(1000, count - start);
    const items = Array.from({ length: n }, (_, i) => ({ channel, event, data: { n: start + i + 1 } }));
    const results = await publishBatch(h, items);
    for (const r of results) if (!r.messages) throw new Error(`batch item failed: ${JSON.stringify(r)}`);
  }
}

export const historyPath = (channel: string, query = '') =>
  `/v1/channels/${encodeURIComponent(channel)}/history${query ? `?${query}` : ''}`;

/** One page of history (API key unless `auth` says otherwise). */
export async function history(
  h: Herald,
  channel: string,
  since = 0,
  limit = 1000,
  auth?: string | null,
): Promise<{ messages: WireMessage[]; head: number }> {
  const res = await request(h, 'GET', historyPath(channel, `since=${since}&limit=${limit}`), undefined, { auth });
  if (res.status !== 200) throw new Error(`history answered ${res.status}: ${res.text}`);
  return res.body;
}

/** Every stored message of a channel, paging through history from seq 0 up to its head. */
export async function fullHistory(h: Herald, channel: string): Promise<{ messages: WireMessage[]; head: number }> {
  const all: WireMessage[] = [];
  let since = 0;
  let head = 0;
  for (let page = 0; page < 10_000; page++) {
    const res = await history(h, channel, since, 1000);
    head = res.head;
    all.push(...res.messages);
    if (res.messages.length === 0) break;
    since = res.messages[res.messages.length - 1]!.seq;
    if (since >= head) break;
  }
  return { messages: all, head };
}

/** The head of a channel as history reports it. */
export async function headOf(h: Herald, channel: string): Promise<number> {
  return (await history(h, channel, 0, 1)).head;
}

// ---------------------------------------------------------------------------------------------
// Tokens

export interface Claims {
  sub?: string;
  roles?: string[];
  channels?: string[];
  [claim: string]: unknown;
}

export interface SignOptions {
  /** Seconds from now until `exp` (negative: already expired). @default 600 */
  expiresIn?: number;
  /** @default 'HS256' */
  alg?: 'HS256' | 'HS384' | 'HS512';
  /** Sign with this secret instead of the server's. */
  secret?: string;
}

/** A client JWT signed with jose (defaults: HS256 with the server's secret, expires in 10 min). */
export async function signToken(h: Herald, claims: Claims, opts: SignOptions = {}): Promise<string> {
  const { sub, ...rest } = claims;
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT(rest)
    .setProtectedHeader({ alg: opts.alg ?? 'HS256', typ: 'JWT' })
    .setIssuedAt(now - 300)
    .setExpirationTime(now + (opts.expiresIn ?? 600));
  if (sub !== undefined) jwt = jwt.setSubject(sub);
  return jwt.sign(new TextEncoder().encode(opts.secret ?? h.secret));
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned token: header `{"alg":"none","typ":"JWT"}`, the claims, an empty signature. */
export function algNoneToken(claims: Claims): string {
  const now = Math.floor(Date.now() / 1000);
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ iat: now, exp: now + 600, ...claims })}.`;
}

// ---------------------------------------------------------------------------------------------
// Sockets

export type ClientSocket = Socket<any, any>;

function openSocket(h: Herald, auth: Record<string, unknown> | undefined, transports: ('websocket' | 'polling')[] = ['websocket']): ClientSocket {
  const socket = io(h.url, {
    path: '/socket.io',
    ...(auth ? { auth } : {}),
    transports,
    reconnection: false,
    forceNew: true,
    timeout: 5000,
  });
  onTestFinished(() => {
    socket.disconnect();
  });
  return socket;
}

/** A connected socket authenticated with `token`, with a recorder of everything it receives. */
export async function connect(h: Herald, token: string, transports?: ('websocket' | 'polling')[]): Promise<Client> {
  const socket = openSocket(h, { token }, transports);
  const client = new Client(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err: Error & { data?: unknown }) =>
      reject(new Error(`connect_error: ${err.message} ${JSON.stringify(err.data)}`)),
    );
  });
  return client;
}

/** Open a socket that should be refused; resolves with the `connect_error`'s `data` (and message). */
export async function connectRefused(
  h: Herald,
  auth: Record<string, unknown> | undefined,
): Promise<{ message: string; data: any }> {
  const socket = openSocket(h, auth);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error('the handshake was accepted')));
    socket.once('connect_error', (err: Error & { data?: unknown }) => resolve({ message: err.message, data: err.data }));
  });
}

/** Wraps a socket and records every delivered message (from `message` and `messages`). */
export class Client {
  readonly received: WireMessage[] = [];
  readonly unsubscribed: { channel: string; code: string }[] = [];
  disconnects = 0;

  constructor(readonly socket: ClientSocket) {
    socket.on('message', (m: WireMessage) => this.received.push(m));
    socket.on('messages', (ms: WireMessage[]) => this.received.push(...ms));
    socket.on('unsubscribed', (e: { channel: string; code: string }) => this.unsubscribed.push(e));
    socket.on('disconnect', () => {
      this.disconnects++;
    });
  }

  /** Emit with an acknowledgement; fails if none comes within `ms`. */
  async ack(event: string, ...args: unknown[]): Promise<any> {
    return this.socket.timeout(5000).emitWithAck(event, ...args);
  }

  subscribe(channel: string, since?: number): Promise<any> {
    return this.ack('subscribe', since === undefined ? { channel } : { channel, since });
  }

  /** Messages received on one channel, in arrival order. */
  on(channel: string): WireMessage[] {
    return this.received.filter((m) => m.channel === channel);
  }

  /** Events received on one channel, in arrival order. */
  events(channel: string): string[] {
    return this.on(channel).map((m) => m.event);
  }

  /** Wait until a message matching `pred` was received. */
  async waitFor(pred: (m: WireMessage) => boolean, ms = 5000, what = 'message'): Promise<WireMessage> {
    let found: WireMessage | undefined;
    await waitUntil(() => (found = this.received.find(pred)) !== undefined, ms, what);
    return found!;
  }
}

/** Poll `cond` every 10 ms until it holds; fail after `ms`. */
export async function waitUntil(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `[from, from+1, …, to]`. */
export const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
