/**
 * Test harness for the demo's back end: a real Herald (its own SQLite file in a temp directory)
 * that can be stopped and started again on the same port, the demo back end on port 0 in front
 * of it, and plain HTTP requests to both. Nothing here reaches into either server.
 */
import { onTestFinished } from 'vitest';
import { createServer, parseConfig } from '../../../packages/server/src/index.js';
import { tempDir, testEnv } from '../../../packages/server/test/helpers.js';
import { createDemoServer, type DemoServer, type DemoServerOptions } from '../server/app.js';
import type { Logger } from '../server/outbox.js';

export interface WireMessage {
  id: string;
  channel: string;
  seq: number;
  event: string;
  data: any;
  ts: number;
}

export interface TestHerald {
  url: string;
  apiKey: string;
  /** Stop Herald (the port stays reserved for `start`). */
  stop(): Promise<void>;
  /** Start it again on the same port and data file. */
  start(): Promise<void>;
}

/** A real Herald for the current test, stopped when it ends. */
export async function startHerald(): Promise<TestHerald> {
  const dir = tempDir('herald-demo-test-');
  const env = testEnv(dir);
  let server: Awaited<ReturnType<typeof createServer>> | undefined = await createServer(parseConfig(env, dir));
  const url = await server.listen();
  // Later starts reuse the port, as a restarted Herald behind a fixed address would.
  env.HERALD_PORT = new URL(url).port;
  const herald: TestHerald = {
    url,
    apiKey: env.HERALD_API_KEYS!,
    async stop() {
      const s = server;
      server = undefined;
      await s?.close();
    },
    async start() {
      server = await createServer(parseConfig(env, dir));
      await server.listen();
    },
  };
  onTestFinished(() => herald.stop());
  return herald;
}

/** Collects the demo's log lines instead of printing them. */
export function memoryLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (l) => lines.push(`info ${l}`), warn: (l) => lines.push(`warn ${l}`), error: (l) => lines.push(`error ${l}`) };
}

export interface TestDemo {
  url: string;
  server: DemoServer;
  log: ReturnType<typeof memoryLog>;
}

/** The demo back end on port 0 in front of `herald`, closed when the test ends. */
export async function startDemo(herald: { url: string; apiKey: string }, options: Partial<DemoServerOptions> = {}): Promise<TestDemo> {
  const log = memoryLog();
  const server = createDemoServer({
    heraldUrl: herald.url,
    apiKey: herald.apiKey,
    port: 0,
    log,
    retry: { minMs: 20, maxMs: 100 },
    stepMs: 40,
    jobIntervalMs: 20,
    ...options,
  });
  const url = await server.listen();
  // Registered after Herald's hook, so it runs first (hooks run in reverse order).
  onTestFinished(() => server.close());
  return { url, server, log };
}

export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** One real HTTP request with an optional JSON body and bearer credential. */
export async function call<T = any>(base: string, method: string, pathname: string, body?: unknown, auth?: string): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  if (auth) headers.authorization = `Bearer ${auth}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + pathname, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  let parsed: any;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/** Like `call`, but fails the test unless the status is `expected`. */
export async function ok<T = any>(base: string, method: string, pathname: string, body?: unknown, expected = 200): Promise<T> {
  const res = await call<T>(base, method, pathname, body);
  if (res.status !== expected) throw new Error(`${method} ${pathname} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Every stored message of a channel, read with the API key (or `auth`). */
export async function history(herald: TestHerald, channel: string, auth?: string): Promise<{ messages: WireMessage[]; head: number }> {
  const messages: WireMessage[] = [];
  let head = 0;
  for (let since = 0; ; ) {
    const res = await call(herald.url, 'GET', `/v1/channels/${encodeURIComponent(channel)}/history?since=${since}&limit=1000`, undefined, auth ?? herald.apiKey);
    if (res.status !== 200) throw new Error(`history of ${channel} answered ${res.status}: ${JSON.stringify(res.body)}`);
    head = res.body.head;
    messages.push(...res.body.messages);
    if (res.body.messages.length === 0 || messages[messages.length - 1]!.seq >= head) break;
    since = messages[messages.length - 1]!.seq;
  }
  return { messages, head };
}

/** Wait until the outbox has sent everything (fails after `ms`). */
export async function drained(demo: TestDemo, ms = 10_000): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    demo.server.outbox.drained(),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`outbox not drained after ${ms} ms (${demo.server.outbox.size} waiting)`)), ms))),
  ]);
  clearTimeout(timer);
}

/** Poll `cond` every 10 ms until it holds; fail after `ms`. */
export async function waitUntil(cond: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Records by id, for comparisons that do not depend on list order. */
export const byId = <T extends { id: string }>(items: T[]): T[] => [...items].sort((a, b) => (a.id < b.id ? -1 : 1));

/** Insert or replace a record by id (what the front end's reducers do). */
export const upsert = <T extends { id: string }>(items: T[], item: T): T[] => [...items.filter((x) => x.id !== item.id), item];
