/**
 * Client test harness: a real Herald server (the server suite's `helpers.ts`), a chaos proxy in
 * front of it, SDK clients pointed at the proxy, recorders of what the application sees, and a
 * steady publisher. Everything goes through public APIs and the wire; nothing is mocked.
 */
import { expect, onTestFinished } from 'vitest';
import type { Notification } from '@herald/protocol';
import {
  fullHistory,
  publishBatch,
  request,
  signToken,
  sleep,
  startHerald,
  waitUntil,
  type Claims,
  type Herald,
  type WireMessage,
} from '../../server/test/helpers.js';
import { createHerald, memoryStorage } from '../src/index.js';
import type { ConnectionState, CursorStorage, HeraldOptions, InboxSnapshot, Message, StateChange } from '../src/types.js';
import { startProxy, type ChaosProxy } from './proxy.js';

export { sleep, waitUntil, range, request, publish, signToken, fullHistory } from '../../server/test/helpers.js';
export type { Herald } from '../../server/test/helpers.js';

export type HeraldClient = ReturnType<typeof createHerald>;

/** A server and a chaos proxy in front of it, both ended with the test. */
export interface Stack {
  h: Herald;
  proxy: ChaosProxy;
}

export async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const h = await startHerald(env);
  const proxy = await startProxy(h.url);
  onTestFinished(() => proxy.close());
  return { h, proxy };
}

/** A second proxy in front of the same server (so one client can lose its network alone). */
export async function extraProxy(stack: Stack): Promise<ChaosProxy> {
  const proxy = await startProxy(stack.h.url);
  onTestFinished(() => proxy.close());
  return proxy;
}

/** A client JWT signed with the server's secret; `expiresIn` in seconds (default 10 min). */
export function tokenFor(h: Herald, claims: Claims, expiresIn = 600): Promise<string> {
  return signToken(h, claims, { expiresIn });
}

/** An SDK client under test, with everything it told the application recorded. */
export interface Client {
  herald: HeraldClient;
  storage: CursorStorage;
  /** Every state change, in order. */
  changes: StateChange[];
  /** Every notification passed to `onNotification`, in order. */
  announced: Notification[];
  /** Whether the client was ever in `state` (initial state included). */
  wasIn(state: ConnectionState): boolean;
  /** Wait until the client is in `state`. */
  waitForState(state: ConnectionState, ms?: number): Promise<void>;
  close(): Promise<void>;
}

export type ClientOptions = Omit<HeraldOptions, 'url'> & { url?: string };

/** Fast timings for tests: short gap hold, quick fallback to polling, short backoff. */
export const FAST = { pollAfterMs: 300, backoff: { minMs: 50, maxMs: 500 }, syncWaitSeconds: 5 } as const;

/** Start an SDK client against `proxy` (closed when the test ends). */
export function startClient(proxy: ChaosProxy, options: ClientOptions): Client {
  const storage = options.storage ?? memoryStorage();
  const herald = createHerald({ url: proxy.url, ...options, storage });
  const initial = herald.state;
  const changes: StateChange[] = [];
  const announced: Notification[] = [];
  herald.onStateChange((c) => changes.push(c));
  if (options.inbox !== false) herald.onNotification((n) => announced.push(n));
  let closed = false;
  const client: Client = {
    herald,
    storage,
    changes,
    announced,
    wasIn: (state) => initial === state || changes.some((c) => c.to === state),
    waitForState: (state, ms = 10_000) =>
      waitUntil(() => herald.state === state, ms, `state ${state} (now ${herald.state}; went ${describeChanges(initial, changes)})`),
    async close() {
      if (closed) return;
      closed = true;
      await herald.close();
    },
  };
  onTestFinished(() => client.close());
  return client;
}

export function describeChanges(initial: ConnectionState, changes: readonly StateChange[]): string {
  return [initial, ...changes.map((c) => c.to)].join(' → ');
}

/** The state machine's own consistency: each change leaves the state the previous one entered. */
export function expectConsistentChanges(initial: ConnectionState, changes: readonly StateChange[]): void {
  let at = initial;
  for (const c of changes) {
    expect(c.from, describeChanges(initial, changes)).toBe(at);
    expect(c.to, describeChanges(initial, changes)).not.toBe(c.from);
    at = c.to;
  }
}

/** What an application handler of one channel received. */
export interface Recording {
  channel: string;
  messages: Message[];
  resets: number;
  seqs(): number[];
  last(): number;
  stop(): void;
}

/** Subscribe a handler to `channel` that records every message it is handed. */
export function record(herald: HeraldClient, channel: string): Recording {
  const rec: Recording = {
    channel,
    messages: [],
    resets: 0,
    seqs: () => rec.messages.map((m) => m.seq),
    last: () => rec.messages.at(-1)?.seq ?? 0,
    stop: () => {},
  };
  rec.stop = herald.subscribe(channel, (m) => rec.messages.push(m as Message), { onReset: () => rec.resets++ });
  return rec;
}

/**
 * Wait until the server has a socket subscription of `sub` on every channel, then a little more:
 * a subscription without a cursor starts at the channel's head, so a test that wants "1…n" must
 * not publish before the server has read that head.
 */
export async function waitForSubscribed(h: Herald, sub: string, channels: readonly string[], ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (const channel of channels) {
    for (;;) {
      const res = await request(h, 'GET', `/v1/channels/${encodeURIComponent(channel)}/presence`);
      if (res.status === 200 && (res.body.users as string[]).includes(sub)) break;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${sub} to be subscribed to ${channel}`);
      await sleep(20);
    }
  }
  await sleep(100);
}

/** Every stored message of `channel` (from the server, with the API key). */
export async function stored(h: Herald, channel: string): Promise<WireMessage[]> {
  return (await fullHistory(h, channel)).messages;
}

/**
 * Assert a recording holds exactly the channel's stored messages 1…head, in order, once each
 * (same ids, same data), and that head is what the publisher was told.
 */
export async function expectExactlyOnce(h: Herald, rec: Recording, expectedHead: number): Promise<void> {
  const seqs = rec.seqs();
  const dups = seqs.length - new Set(seqs).size;
  expect(dups, `${rec.channel}: ${dups} duplicate deliveries`).toBe(0);
  expect(firstDeviation(seqs), `${rec.channel}: first deviation from 1…${expectedHead}`).toBe(null);
  expect(seqs.length, `${rec.channel}: count`).toBe(expectedHead);
  const history = await stored(h, rec.channel);
  expect(history.length, `${rec.channel}: stored head`).toBe(expectedHead);
  expect(rec.messages.map((m) => m.id)).toEqual(history.map((m) => m.id));
  expect(rec.messages.map((m) => m.data)).toEqual(history.map((m) => m.data));
}

/** Where a list of seqs first departs from 1, 2, 3, … (null when it never does). */
function firstDeviation(seqs: readonly number[]): string | null {
  for (let i = 0; i < seqs.length; i++) {
    if (seqs[i] !== i + 1) return `index ${i}: expected ${i + 1}, got ${seqs[i]} (…${seqs.slice(Math.max(0, i - 3), i + 4).join(',')}…)`;
  }
  return null;
}

/** A publisher that sends `total` messages round-robin over `channels`, in batches, at a steady pace. */
export interface Publisher {
  /** Resolves when everything was published (rejects on an unexpected answer). */
  done: Promise<void>;
  /** Messages acknowledged per channel (= the seq of the last one). */
  acked: Map<string, number>;
  /** Batches sent so far. */
  batches(): number;
  /** Stop sending after the batch in flight; resolves once it is answered. */
  pause(): Promise<void>;
  resume(): void;
}

export interface PublishPlan {
  channels: readonly string[];
  total: number;
  batchSize: number;
  /** Time the whole stream should take (paused time excluded). */
  durationMs: number;
  event?: string;
  /** Messages already on each channel (the stream continues at after + 1). @default 0 */
  after?: number;
}

export function startPublisher(h: Herald, plan: PublishPlan): Publisher {
  const acked = new Map(plan.channels.map((c) => [c, plan.after ?? 0]));
  const batchCount = Math.ceil(plan.total / plan.batchSize);
  const interval = plan.durationMs / batchCount;
  let sent = 0;
  let paused: { resume: () => void; promise: Promise<void> } | undefined;
  let inFlight: Promise<unknown> = Promise.resolve();
  let stopped = false;
  onTestFinished(() => {
    stopped = true;
    paused?.resume();
  });

  const run = async () => {
    let next = Date.now();
    for (let b = 0; b < batchCount && !stopped; b++) {
      const wait = next - Date.now();
      if (wait > 0) await sleep(wait);
      // Checked right before sending (no await in between), so pause() never races a batch out.
      if (paused) {
        while (paused) await paused.promise;
        next = Date.now();
      }
      if (stopped) break;
      next += interval;
      const items = [];
      const expected: [string, number][] = [];
      for (let i = 0; i < plan.batchSize && sent < plan.total; i++, sent++) {
        const channel = plan.channels[sent % plan.channels.length]!;
        const seq = acked.get(channel)! + expected.filter(([c]) => c === channel).length + 1;
        expected.push([channel, seq]);
        items.push({ channel, event: plan.event ?? 'chaos:tick', data: { channel, n: seq } });
      }
      const p = publishBatch(h, items);
      inFlight = p.catch(() => {});
      const results = await p;
      results.forEach((r, i) => {
        const [channel, seq] = expected[i]!;
        // The server numbers each channel 1, 2, 3…; the stream is the only publisher of these channels.
        if (r.messages?.[0]?.seq !== seq || r.messages?.[0]?.channel !== channel) {
          throw new Error(`batch item ${i}: expected ${channel}#${seq}, got ${JSON.stringify(r)}`);
        }
        acked.set(channel, seq);
      });
    }
  };

  const done = run();
  // A test that fails early never awaits `done`; its rejection must not surface as unhandled.
  done.catch(() => {});
  return {
    done,
    acked,
    batches: () => Math.ceil(sent / plan.batchSize),
    async pause() {
      let resume!: () => void;
      const promise = new Promise<void>((r) => (resume = r));
      paused = { resume, promise };
      await inFlight;
    },
    resume() {
      const p = paused;
      paused = undefined;
      p?.resume();
    },
  };
}

/** Cut every connection through `proxy` every `everyMs` until stopped. */
export function startCutting(proxy: ChaosProxy, everyMs: number): { stop(): void } {
  const timer = setInterval(() => proxy.cutAll(), everyMs);
  onTestFinished(() => clearInterval(timer));
  return { stop: () => clearInterval(timer) };
}

// ---------------------------------------------------------------------------------------------
// Inbox

export interface NotificationRef {
  id: string;
  channel: string;
  seq: number;
}

/** POST /v1/notifications with the API key; answers the first ref's id. */
export async function notify(h: Herald, to: string[], type: string, title: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await request<{ notifications: NotificationRef[] }>(h, 'POST', '/v1/notifications', { to, type, title, ...extra });
  if (res.status !== 201) throw new Error(`notify answered ${res.status}: ${res.text}`);
  return res.body.notifications[0]!.id;
}

/** The server's view of a user's inbox (first page, up to 100) and unread count. */
export async function serverInbox(h: Herald, token: string): Promise<{ items: Notification[]; unread: number; count: number }> {
  const page = await request<{ items: Notification[]; unread: number }>(h, 'GET', '/v1/inbox?limit=100', undefined, { auth: token });
  if (page.status !== 200) throw new Error(`inbox answered ${page.status}: ${page.text}`);
  const count = await request<{ unread: number }>(h, 'GET', '/v1/inbox/unread-count', undefined, { auth: token });
  if (count.status !== 200) throw new Error(`unread-count answered ${count.status}: ${count.text}`);
  return { items: page.body.items, unread: page.body.unread, count: count.body.unread };
}

/** Wait until the client's inbox snapshot satisfies `pred`; answers that snapshot. */
export async function waitForSnapshot(client: Client, pred: (s: InboxSnapshot) => boolean, what: string, ms = 5000): Promise<InboxSnapshot> {
  let snap = client.herald.inbox.getSnapshot();
  try {
    await waitUntil(() => pred((snap = client.herald.inbox.getSnapshot())), ms, what);
  } catch (err) {
    throw new Error(`${(err as Error).message}; last snapshot: ${JSON.stringify(summary(snap))}`);
  }
  return snap;
}

/** The parts of an inbox item two devices must agree on. */
export function itemState(n: Notification): Pick<Notification, 'id' | 'readAt' | 'archivedAt'> {
  return { id: n.id, readAt: n.readAt, archivedAt: n.archivedAt };
}

export function summary(s: InboxSnapshot) {
  return { unread: s.unread, loaded: s.loaded, pendingActions: s.pendingActions, hasMore: s.hasMore, items: s.items.map(itemState) };
}
