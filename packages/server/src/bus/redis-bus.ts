/**
 * The bus between nodes, on Redis pub/sub (`HERALD_REDIS_URL`).
 *
 * Why pub/sub and not Redis Streams: the store is already the durable, ordered log of every
 * channel, and a node must read it anyway whenever Redis cannot help (a node killed between its
 * commit and its publish, a Redis restart that keeps nothing). So Redis only has to be fast, not
 * reliable: each node numbers its packets and sends heartbeats carrying the last number, and
 * receivers fill every gap they can see (a `seq` ahead of what a subscription delivered, a packet
 * number skipped, a node gone silent, their own reconnection) from the store before delivering
 * more. This is Centrifugo's recovery ("buffer live, read history, merge by offset") done on the
 * server for every subscription, with the store as the history. A stream per channel
 * (`@socket.io/redis-streams-adapter`'s choice) would keep a second copy of every message in
 * Redis memory, need trimming, and still lose what a killed node never wrote to it.
 *
 * A node restarted under the same id is told apart by its boot id, and counts as gone.
 *
 * One pub/sub channel, `<prefix>bus`, carries JSON packets: messages (`m`), heartbeats (`h`),
 * goodbyes (`b`), questions (`q`) and answers (`a`). A node ignores its own packets: it hands its
 * messages to its own listeners synchronously when it publishes them.
 */
import { randomUUID } from 'node:crypto';
import type { Message } from '@herald/protocol';
import { Redis } from 'ioredis';
import type { AnswerHandler, Bus, BusListener, NodeStatus } from './bus.js';
import { createMembership } from './membership.js';

export interface RedisBusOptions {
  url: string;
  prefix: string;
  nodeId: string;
  /** This node's status, sent in every heartbeat. */
  status: () => NodeStatus;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Counters: failed publishes, and times this node had to re-read the store (by reason kind). */
  onPublishFailed?: () => void;
  onMissed?: (reason: string) => void;
  /** Heartbeat interval. @default 1000 */
  heartbeatMs?: number;
  /** A node not heard of for this long is gone. @default 3.5 × heartbeatMs */
  nodeTimeoutMs?: number;
}

/** `n`: the sender's node id; `b`: which start of it; `s`: packet number. */
type Packet =
  | { k: 'm'; n: string; b: string; s: number; m: Message[] }
  | { k: 'h'; n: string; b: string; s: number; st: NodeStatus }
  | { k: 'b'; n: string }
  | { k: 'q'; n: string; t: string; id: number; q: unknown }
  | { k: 'a'; n: string; to: string; id: number; a: unknown };

/** Message packets are cut at about this many characters of JSON. */
const MAX_PACKET_CHARS = 1024 * 1024;

/** A reconnection delay: 50 ms doubling to 2 s. Never give up: a node without Redis still serves its own clients. */
const retryStrategy = (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000);

export async function createRedisBus(options: RedisBusOptions): Promise<Bus> {
  const { prefix, nodeId, log } = options;
  const heartbeatMs = options.heartbeatMs ?? 1000;
  const nodeTimeoutMs = options.nodeTimeoutMs ?? heartbeatMs * 3.5;
  const topic = `${prefix}bus`;
  const common = { retryStrategy, connectionName: `herald:${nodeId}`, lazyConnect: true };
  // Publishing fails at once while Redis is away (no offline queue growing without bound); the
  // heartbeat after the reconnection tells the others that packets went missing.
  const pub = new Redis(options.url, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  // The subscriber re-subscribes itself, so that it knows when the subscription is in force again.
  const sub = new Redis(options.url, { ...common, autoResubscribe: false, maxRetriesPerRequest: null });

  const listeners = new Set<BusListener>();
  const missedListeners = new Set<(reason: string) => void>();
  const handlers = new Map<string, AnswerHandler>();
  const waiting = new Map<number, { answers: unknown[]; expected: number; done: () => void }>();
  const boot = randomUUID().slice(0, 8);
  let packets = 0;
  /** Messages (encoded) waiting for the end of this burst of publishes, and their size. */
  let outgoing: string[] = [];
  let outgoingChars = 0;
  let flushQueued = false;
  const sendOutgoing = () => {
    flushQueued = false;
    if (outgoing.length === 0) return;
    const s = ++packets;
    const count = outgoing.length;
    const packet = `{"k":"m","n":${JSON.stringify(nodeId)},"b":"${boot}","s":${s},"m":[${outgoing.join(',')}]}`;
    outgoing = [];
    outgoingChars = 0;
    pub.publish(topic, packet).catch((err: unknown) => {
      options.onPublishFailed?.();
      log.warn({ err: err instanceof Error ? err.message : String(err), packet: s, messages: count }, 'bus: publish to Redis failed');
    });
  };
  let questions = 0;
  let closed = false;

  const missed = (reason: string) => {
    options.onMissed?.(reason);
    log.warn({ reason }, 'bus: messages of other nodes may have been missed; reading the store');
    for (const l of missedListeners) l(reason);
  };
  const membership = createMembership(missed);

  const send = (packet: Packet): Promise<unknown> => pub.publish(topic, JSON.stringify(packet));

  const receive = (raw: string) => {
    let p: Packet;
    try {
      p = JSON.parse(raw) as Packet;
    } catch {
      log.warn({ bytes: raw.length }, 'bus: a packet that is not JSON was ignored');
      return;
    }
    if (p.n === nodeId) return;
    const now = Date.now();
    switch (p.k) {
      case 'm':
        membership.onPackets(p.n, p.b, p.s, now);
        for (const l of listeners) l(p.m);
        break;
      case 'h':
        membership.onHeartbeat(p.n, p.b, p.s, p.st, now);
        break;
      case 'b':
        membership.onBye(p.n);
        break;
      case 'q': {
        const handler = handlers.get(p.t);
        if (!handler) break;
        Promise.resolve()
          .then(() => handler(p.q))
          .then((a) => send({ k: 'a', n: nodeId, to: p.n, id: p.id, a }))
          .catch((err) => log.warn({ err }, 'bus: a question could not be answered'));
        break;
      }
      case 'a': {
        if (p.to !== nodeId) break;
        const w = waiting.get(p.id);
        if (!w) break;
        w.answers.push(p.a);
        if (w.answers.length >= w.expected) w.done();
        break;
      }
    }
  };

  sub.on('message', (channel: string, raw: string) => {
    if (channel === topic) receive(raw);
  });
  let everReady = false;
  sub.on('ready', () => {
    // Subscribe (again), and only once Redis confirmed it re-read what went by meanwhile.
    sub.subscribe(topic).then(
      () => {
        if (!everReady) {
          everReady = true;
          return;
        }
        log.info({ nodeId }, 'bus: reconnected to Redis');
        membership.reset();
        missed('this node reconnected to Redis');
      },
      (err: unknown) => log.error({ err }, 'bus: subscribing failed'),
    );
  });
  for (const [name, conn] of [['publisher', pub], ['subscriber', sub]] as const) {
    conn.on('error', (err: Error) => log.warn({ err: err.message, connection: name }, 'bus: Redis connection error'));
  }

  const heartbeat = () => {
    membership.expire(Date.now(), nodeTimeoutMs);
    if (pub.status !== 'ready') return;
    send({ k: 'h', n: nodeId, b: boot, s: packets, st: options.status() }).catch(() => {});
  };

  await Promise.all([pub.connect(), sub.connect()]);
  await sub.subscribe(topic);
  everReady = true;
  heartbeat();
  const timer = setInterval(heartbeat, heartbeatMs);
  timer.unref();
  log.info({ nodeId, prefix }, 'bus: connected to Redis');

  return {
    nodeId,
    publish(messages) {
      if (messages.length === 0) return;
      for (const l of listeners) l(messages);
      for (const m of messages) {
        // Each message encoded once; packets stay near 1 MB, since Redis drops a subscriber whose
        // unread pub/sub output passes its buffer limit (32 MB by default).
        const json = JSON.stringify(m);
        if (outgoing.length > 0 && outgoingChars + json.length > MAX_PACKET_CHARS) sendOutgoing();
        outgoing.push(json);
        outgoingChars += json.length;
      }
      // Publishes answered together (one group commit resolves many callers in one go) leave in
      // one packet: one Redis command instead of one per publish.
      if (!flushQueued) {
        flushQueued = true;
        queueMicrotask(sendOutgoing);
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onMissed(listener) {
      missedListeners.add(listener);
      return () => missedListeners.delete(listener);
    },
    nodes: () => [{ id: nodeId, self: true, ...options.status() }, ...membership.peers()],
    async ask(t, q, timeoutMs = 1000) {
      const expected = membership.peers().length;
      if (expected === 0 || pub.status !== 'ready') return [];
      const id = ++questions;
      const answers: unknown[] = [];
      await new Promise<void>((resolve) => {
        const deadline = setTimeout(done, timeoutMs);
        function done() {
          clearTimeout(deadline);
          waiting.delete(id);
          resolve();
        }
        waiting.set(id, { answers, expected, done });
        send({ k: 'q', n: nodeId, t, id, q }).catch(done);
      });
      return answers;
    },
    answer(t, handler) {
      handlers.set(t, handler);
    },
    async ping() {
      if (sub.status !== 'ready') throw new Error(`Redis subscriber is ${sub.status}`);
      await Promise.race([
        pub.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('Redis did not answer PING within 2 s')), 2000).unref()),
      ]);
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      listeners.clear();
      for (const w of waiting.values()) w.done();
      if (pub.status === 'ready') await send({ k: 'b', n: nodeId }).catch(() => {});
      pub.disconnect();
      sub.disconnect();
    },
  };
}

/** A node id for a node that was not given one: host, process and a random part. */
export function generatedNodeId(hostname: string, pid: number): string {
  return `${hostname.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 40)}-${pid}-${randomUUID().slice(0, 4)}`;
}
