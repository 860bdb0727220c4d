/**
 * What every browser test stands on: a real Herald (its own SQLite file, stoppable and startable
 * again on the same port) and the demo back end in front of it serving the built front end, both
 * started for the test and stopped after it; pages instrumented to record every toast and every
 * sound they produce. Nothing is mocked; the browser talks to both servers over loopback.
 */
import { test as base, expect, type BrowserContext, type Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createDemoServer } from '../dist/server/app.js';
import { createServer, parseConfig } from '../../../packages/server/dist/index.js';

export { expect };

export interface Stack {
  /** The demo's origin, e.g. `http://127.0.0.1:41234`. */
  demoUrl: string;
  heraldUrl: string;
  /** Stop Herald (browsers go Offline); `startHerald` brings it back on the same port and data. */
  stopHerald(): Promise<void>;
  startHerald(): Promise<void>;
  /** A request to Herald with the API key (what an application back end may do). */
  herald<T = any>(method: 'GET' | 'POST', path: string, body?: unknown, token?: string): Promise<{ status: number; body: T }>;
  /** A request to the demo back end. */
  api<T = any>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function json(res: Response) {
  const text = await res.text();
  return text ? JSON.parse(text) : undefined;
}

export const test = base.extend<{ stack: Stack }>({
  stack: async ({}, use) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-e2e-'));
    const demoPort = await freePort();
    const demoUrl = `http://127.0.0.1:${demoPort}`;
    const env = {
      HERALD_PORT: String(await freePort()),
      HERALD_HOST: '127.0.0.1',
      HERALD_DATABASE_URL: path.join(dir, 'herald.db'),
      HERALD_JWT_SECRET: randomBytes(32).toString('hex'),
      HERALD_API_KEYS: `hk_e2e_${randomBytes(18).toString('hex')}`,
      HERALD_CORS_ORIGINS: demoUrl,
      HERALD_LOG_LEVEL: 'silent',
    };
    const config = parseConfig(env, dir);
    let herald: Awaited<ReturnType<typeof createServer>> | undefined = await createServer(config);
    const heraldUrl = (await herald.listen()).replace('localhost', '127.0.0.1');
    const quiet = { info: () => {}, warn: () => {}, error: (line: string) => console.error(line) };
    const demo = createDemoServer({ heraldUrl, apiKey: env.HERALD_API_KEYS, port: demoPort, log: quiet, stepMs: 600, jobIntervalMs: 150, retry: { minMs: 100, maxMs: 1000 } });
    await demo.listen();
    const stack: Stack = {
      demoUrl,
      heraldUrl,
      async stopHerald() {
        const h = herald;
        herald = undefined;
        await h?.close();
      },
      async startHerald() {
        herald = await createServer(config);
        await herald.listen();
      },
      async herald(method, p, body, token) {
        const res = await fetch(heraldUrl + p, {
          method,
          headers: { authorization: `Bearer ${token ?? env.HERALD_API_KEYS}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: res.status, body: await json(res) };
      },
      async api(method, p, body) {
        const res = await fetch(demoUrl + p, {
          method,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: res.status, body: await json(res) };
      },
    };
    await use(stack);
    // Browsers first, so no open socket or keep-alive connection holds the servers' close.
    await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => {})));
    await demo.close();
    await herald?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  },
});

/**
 * Record, in the page, every toast that appears (title and when it was inserted) and every sound
 * started (the chime's oscillators), whatever happens to them afterwards.
 */
const INSTRUMENT = () => {
  const w = window as unknown as { __toasts: { title: string; at: number }[]; __sounds: number; __cursors: Record<string, number[]> };
  w.__toasts = [];
  w.__sounds = 0;
  // The client SDK stores a channel's cursor after applying each of its messages: the sequence of
  // stored values is the sequence of seqs handed to the application.
  w.__cursors = {};
  const setItem = Storage.prototype.setItem;
  Storage.prototype.setItem = function (key: string, value: string) {
    const m = /:cursor:(.+)$/.exec(key);
    if (m) (w.__cursors[m[1]!] ??= []).push(Number(value));
    return setItem.call(this, key, value);
  };
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args: Parameters<typeof start>) {
    w.__sounds += 0.5; // the chime is two notes
    return start.apply(this, args);
  };
  new MutationObserver((records) => {
    for (const r of records) {
      for (const node of r.addedNodes) {
        if (!(node instanceof HTMLElement)) continue;
        const toasts = node.matches('.hrd-toast') ? [node] : [...node.querySelectorAll<HTMLElement>('.hrd-toast')];
        for (const t of toasts) {
          const entry = { title: t.querySelector('.hrd-item-title')?.textContent ?? '', at: 0 };
          w.__toasts.push(entry);
          // Inserted now, on screen at the next frame: that is when the user can see it.
          requestAnimationFrame(() => (entry.at = performance.timeOrigin + performance.now()));
        }
      }
    }
  }).observe(document, { childList: true, subtree: true });
};

/** Block Socket.IO entirely for a context, as a proxy that refuses WebSockets and long-polling would. */
export async function blockSocketIo(context: BrowserContext): Promise<void> {
  await context.route(/\/socket\.io\//, (route) => route.abort());
  await context.routeWebSocket(/\/socket\.io\//, (ws) => ws.close({ code: 1008, reason: 'blocked by the test' }));
}

const contexts: BrowserContext[] = [];

/** A new browser context (a device or another person): instrumented, with its own storage; closed with the test. */
export async function newDevice(browser: import('@playwright/test').Browser, options: import('@playwright/test').BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  contexts.push(context);
  await context.addInitScript(INSTRUMENT);
  return context;
}

/** Open `path` of the demo and wait until Herald is live on the page. */
export async function open(context: BrowserContext, stack: Stack, p: string, { live = true } = {}): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`page error on ${p}: ${err.message}`));
  await page.goto(stack.demoUrl + p);
  if (live) await expect(connection(page)).toHaveText('Live');
  return page;
}

/** The seqs of `channel` the page's client applied, in order (its first entry is where it started). */
export const cursorsOf = (page: Page, channel: string) =>
  page.evaluate((c) => (window as unknown as { __cursors: Record<string, number[]> }).__cursors[c] ?? [], channel);

/** Assert a page applied `channel`'s messages once each, in order, from where it started up to `head`. */
export async function expectAppliedOnce(page: Page, channel: string, head: number): Promise<void> {
  await expect.poll(async () => (await cursorsOf(page, channel)).at(-1), { message: `${channel} applied up to ${head}` }).toBe(head);
  const seqs = await cursorsOf(page, channel);
  const start = seqs[0]!;
  expect(seqs, `${channel}: every seq after ${start} once, in order`).toEqual(Array.from({ length: head - start + 1 }, (_, i) => start + i));
}

/** The page's connection badge. */
export const connection = (page: Page) => page.locator('.hrd-conn').first();

/** Titles of every toast this page has shown so far (also those gone since). */
export const toastsSeen = (page: Page) => page.evaluate(() => (window as unknown as { __toasts: { title: string }[] }).__toasts.map((t) => t.title));

/** Toasts seen with this exact title. */
export async function toastCount(page: Page, title: string): Promise<number> {
  return (await toastsSeen(page)).filter((t) => t === title).length;
}

/** Sounds started by this page so far. */
export const soundsPlayed = (page: Page) => page.evaluate(() => (window as unknown as { __sounds: number }).__sounds);

/** When the toast with `title` was first painted, epoch ms (undefined if not yet). */
export const toastShownAt = (page: Page, title: string) =>
  page.evaluate((t) => (window as unknown as { __toasts: { title: string; at: number }[] }).__toasts.find((x) => x.title === t && x.at > 0)?.at, title);

/** The bell's accessible label, e.g. "3 unread notifications". */
export const bell = (page: Page) => page.locator('button.hrd-bell').first();
