/**
 * Named events (`auth: { token, events: 'named' }`, `src/gateway/named-events.ts`): front-end code
 * written the usual Socket.IO way, `socket.on('order:created', (data, meta) => …)`, works against
 * Herald with a plain socket.io-client and no SDK. Each message arrives as an event named after
 * its `event`, with `data` first and `{ channel, seq, id, ts }` second, on every path a message
 * takes to a socket (live, batches, a `subscribe` replay, messages held during one, long-polling),
 * once and in seq order per channel, a node's catch-up from the store included; sockets that did
 * not ask keep the envelopes; a bad value is
 * refused in the handshake; names Socket.IO reserves (or Herald's own events) stay in envelopes.
 */
import { io, type Socket } from 'socket.io-client';
import { describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { notifyOne } from './inbox-helpers.js';
import { testDatabase } from './pg-database.js';
import { freshPrefix, killSubscriber, REDIS_URL } from './redis-admin.js';
import {
  connect,
  connectRefused,
  history,
  publish,
  publishBatch,
  range,
  request,
  signToken,
  startHerald,
  waitUntil,
  type Herald,
  type WireMessage,
} from './helpers.js';

/** One event as the plain client saw it: its name and arguments. */
interface Seen {
  event: string;
  args: any[];
}

const NAMED = { events: 'named' };

/**
 * A plain socket.io-client socket with `auth: { token, ...options }` (named events unless told
 * otherwise), connected, recording every event it receives (through `onAny`, which is how
 * socket.io-client hands over any incoming event).
 */
async function plainSocket(
  h: Herald,
  token: string,
  options: Record<string, unknown> = NAMED,
  transports: ('websocket' | 'polling')[] = ['websocket'],
): Promise<{ socket: Socket; seen: Seen[] }> {
  const socket = io(h.url, { auth: { token, ...options }, transports, reconnection: false, forceNew: true, timeout: 5000 });
  onTestFinished(() => {
    socket.disconnect();
  });
  const seen: Seen[] = [];
  socket.onAny((event: string, ...args: any[]) => seen.push({ event, args }));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err: Error & { data?: unknown }) => reject(new Error(`connect_error ${JSON.stringify(err.data)}`)));
  });
  return { socket, seen };
}

/** The messages a named-events socket received, rebuilt from `(data, meta)` (envelopes as they are). */
function messagesOf(seen: Seen[]): WireMessage[] {
  const out: WireMessage[] = [];
  for (const { event, args } of seen) {
    if (event === 'message') out.push(args[0]);
    else if (event === 'messages') out.push(...args[0]);
    else if (event !== 'unsubscribed') out.push({ event, data: args[0], ...args[1] });
  }
  return out;
}

const seqsOn = (seen: Seen[], channel: string) => messagesOf(seen).filter((m) => m.channel === channel).map((m) => m.seq);

describe('named events', () => {
  it('socket.on(event, (data, meta)) receives live messages of several channels, in seq order, with { channel, seq, id, ts }', async () => {
    const h = await startHerald();
    const token = await signToken(h, { sub: 'admin', channels: ['restaurant:*'] });
    const { socket, seen } = await plainSocket(h, token);
    const created: { data: unknown; meta: unknown }[] = [];
    const updated: { data: unknown; meta: unknown }[] = [];
    socket.on('order:created', (data: unknown, meta: unknown) => created.push({ data, meta }));
    socket.on('order:updated', (data: unknown, meta: unknown) => updated.push({ data, meta }));
    for (const channel of ['restaurant:7', 'restaurant:8']) {
      const ack = await socket.timeout(5000).emitWithAck('subscribe', { channel });
      expect(ack).toMatchObject({ ok: true, channel, head: 0, messages: [] });
    }

    await publish(h, { channel: 'restaurant:7', event: 'order:created', data: { orderId: 1 } });
    await publish(h, { channel: 'restaurant:8', event: 'order:created', data: { orderId: 2 } });
    await publish(h, { channel: 'restaurant:7', event: 'order:updated', data: { orderId: 1, status: 'cooking' } });
    await publish(h, { channel: 'restaurant:7', event: 'order:created', data: { orderId: 3 } });
    await waitUntil(() => created.length === 3 && updated.length === 1, 5000, 'four named events');

    // Exactly what history stores, split into (data, meta): meta has these four keys, no more.
    const stored = [...(await history(h, 'restaurant:7')).messages, ...(await history(h, 'restaurant:8')).messages];
    const byId = new Map(stored.map((m) => [m.id, m]));
    for (const { data, meta } of [...created, ...updated]) {
      const m = byId.get((meta as { id: string }).id)!;
      expect(data).toEqual(m.data);
      expect(meta).toStrictEqual({ channel: m.channel, seq: m.seq, id: m.id, ts: m.ts });
    }
    expect(created.map((c) => c.data)).toEqual([{ orderId: 1 }, { orderId: 2 }, { orderId: 3 }]);
    expect(seqsOn(seen, 'restaurant:7')).toEqual([1, 2, 3]);
    expect(seqsOn(seen, 'restaurant:8')).toEqual([1]);
    // Instead of the envelopes, not beside them.
    expect(seen.map((s) => s.event).filter((e) => e === 'message' || e === 'messages')).toEqual([]);
  });

  it('a batch arrives as one named event per message, in seq order per channel, and nothing else', async () => {
    const h = await startHerald();
    const { socket, seen } = await plainSocket(h, await signToken(h, { sub: 'kitchen', channels: ['kitchen:*'] }));
    await socket.timeout(5000).emitWithAck('subscribe', { channel: 'kitchen:1' });
    await socket.timeout(5000).emitWithAck('subscribe', { channel: 'kitchen:2' });
    const items = range(1, 30).map((i) => ({ channel: `kitchen:${(i % 2) + 1}`, event: i % 3 === 0 ? 'order:ready' : 'order:created', data: { i } }));
    const results = await publishBatch(h, items);
    expect(results.every((r) => r.messages)).toBe(true);
    await waitUntil(() => seen.length === 30, 5000, '30 events');

    expect(seen.every((s) => s.event === 'order:ready' || s.event === 'order:created')).toBe(true);
    expect(seqsOn(seen, 'kitchen:1')).toEqual(range(1, 15));
    expect(seqsOn(seen, 'kitchen:2')).toEqual(range(1, 15));
    // In the order published, channel by channel, each with its own data.
    for (const channel of ['kitchen:1', 'kitchen:2']) {
      const sent = items.filter((it) => it.channel === channel);
      const got = messagesOf(seen).filter((m) => m.channel === channel);
      expect(got.map((m) => [m.event, m.data])).toEqual(sent.map((it) => [it.event, it.data]));
    }
  });

  it('a socket that did not opt in gets envelopes only, beside a named one on the same channel; events: "envelope" is the default', async () => {
    const h = await startHerald();
    const token = await signToken(h, { sub: 'both', channels: ['shop:*'] });
    const named = await plainSocket(h, token);
    const plain = await plainSocket(h, token, {});
    const explicit = await plainSocket(h, token, { events: 'envelope' });
    for (const s of [named, plain, explicit]) await s.socket.timeout(5000).emitWithAck('subscribe', { channel: 'shop:1' });
    await publish(h, { channel: 'shop:1', event: 'order:created', data: 1 });
    await publishBatch(h, [2, 3, 4].map((n) => ({ channel: 'shop:1', event: 'order:created', data: n })));
    await waitUntil(() => named.seen.length === 4, 5000, 'four named events');
    for (const s of [plain, explicit]) {
      await waitUntil(() => messagesOf(s.seen).length === 4, 5000, 'four envelope messages');
      expect(s.seen.every((x) => x.event === 'message' || x.event === 'messages')).toBe(true);
      expect(messagesOf(s.seen).map((m) => m.data)).toEqual([1, 2, 3, 4]);
    }
    expect(named.seen.map((x) => x.event)).toEqual(Array(4).fill('order:created'));
    expect(named.seen.map((x) => x.args[0])).toEqual([1, 2, 3, 4]);
  });

  it('an events value other than "envelope" or "named" is refused with VALIDATION_FAILED', async () => {
    const h = await startHerald();
    const token = await signToken(h, { sub: 'u' });
    for (const events of ['Named', 'loud', '', 1, true, null, ['named'], { named: true }]) {
      const refused = await connectRefused(h, { token, events });
      expect(refused.data, JSON.stringify(events)).toEqual({ code: 'VALIDATION_FAILED' });
    }
    // Whatever the token: the option is checked first.
    expect((await connectRefused(h, { events: 'loud' })).data).toEqual({ code: 'VALIDATION_FAILED' });
    // The token is still checked with a valid option.
    expect((await connectRefused(h, { events: 'named' })).data).toEqual({ code: 'AUTH_REQUIRED' });
    expect((await connectRefused(h, { token: 'nope', events: 'named' })).data).toEqual({ code: 'AUTH_INVALID' });
  });

  it('after a reconnect, subscribe with since = the last meta.seq: the missed messages come as named events before the ack, then live ones, each once', async () => {
    const h = await startHerald();
    const token = await signToken(h, { sub: 'guest', channels: ['session:*'] });
    const first = await plainSocket(h, token);
    await first.socket.timeout(5000).emitWithAck('subscribe', { channel: 'session:ab12' });
    let cursor = 0;
    first.socket.on('order:status', (_data: unknown, meta: { seq: number }) => (cursor = meta.seq));
    for (const status of ['pending', 'cooking']) await publish(h, { channel: 'session:ab12', event: 'order:status', data: { status } });
    await waitUntil(() => cursor === 2, 5000, 'two live events');
    first.socket.disconnect();

    // Missed while away: three messages, one of them published in a batch with another channel's.
    await publish(h, { channel: 'session:ab12', event: 'order:status', data: { status: 'ready' } });
    await publishBatch(h, [
      { channel: 'session:ab12', event: 'order:status', data: { status: 'served' } },
      { channel: 'session:ab12', event: 'bill:ready', data: { total: 42 } },
    ]);

    const again = await plainSocket(h, token);
    const order: string[] = [];
    again.socket.on('order:status', (data: { status: string }, meta: { seq: number }) => order.push(`${meta.seq}:${data.status}`));
    again.socket.on('bill:ready', (_data: unknown, meta: { seq: number }) => order.push(`${meta.seq}:bill`));
    const ack = await again.socket.timeout(5000).emitWithAck('subscribe', { channel: 'session:ab12', since: cursor });
    // The ack carries no messages on a named socket: they came as events, ahead of it.
    expect(ack).toStrictEqual({ ok: true, channel: 'session:ab12', head: 5, recovered: true, messages: [] });
    expect(order).toEqual(['3:ready', '4:served', '5:bill']);
    await publish(h, { channel: 'session:ab12', event: 'order:status', data: { status: 'paid' } });
    await waitUntil(() => order.length === 4, 5000, 'the live event');
    expect(order).toEqual(['3:ready', '4:served', '5:bill', '6:paid']);
    expect(seqsOn(again.seen, 'session:ab12')).toEqual([3, 4, 5, 6]);
  });

  it('subscribing while publishes are in flight: the replay and the held live messages are 1..n once, in order', async () => {
    const h = await startHerald();
    const token = await signToken(h, { sub: 'race', channels: ['race:*'] });
    const { socket, seen } = await plainSocket(h, token);
    const n = 300;
    let published = 0;
    const publishers = Promise.all(
      range(1, 3).map(async () => {
        while (published < n) {
          published++;
          await publish(h, { channel: 'race:1', event: 'tick', data: null });
        }
      }),
    );
    await waitUntil(() => published >= 80, 10_000, '80 publishes');
    const ack = await socket.timeout(5000).emitWithAck('subscribe', { channel: 'race:1', since: 0 });
    expect(ack.messages).toEqual([]);
    // Everything up to the ack's head was replayed ahead of the ack.
    expect(seqsOn(seen, 'race:1').slice(0, ack.head)).toEqual(range(1, ack.head));
    await publishers;
    await publish(h, { channel: 'race:1', event: 'control', data: null });
    await waitUntil(() => seen.some((s) => s.event === 'control'), 10_000, 'control');
    expect(seqsOn(seen, 'race:1')).toEqual(range(1, n + 1));
    // Held ones included, all of them as named events.
    expect(new Set(seen.map((s) => s.event))).toEqual(new Set(['tick', 'control']));
  });

  it('a replay capped at 1000 is continued by subscribing again with since = the last meta.seq', async () => {
    const h = await startHerald();
    const token = await signToken(h, { sub: 'deep', channels: ['deep:*'] });
    for (let start = 0; start < 1500; start += 500) {
      await publishBatch(h, range(start + 1, start + 500).map((i) => ({ channel: 'deep:1', event: 'row', data: i })));
    }
    const { socket, seen } = await plainSocket(h, token);
    let cursor = 0;
    socket.on('row', (_data: unknown, meta: { seq: number }) => (cursor = meta.seq));
    const first = await socket.timeout(5000).emitWithAck('subscribe', { channel: 'deep:1', since: 0 });
    expect(first).toMatchObject({ head: 1500, messages: [] });
    expect(cursor).toBe(1000);
    const second = await socket.timeout(5000).emitWithAck('subscribe', { channel: 'deep:1', since: cursor });
    expect(second).toMatchObject({ head: 1500, messages: [] });
    expect(cursor).toBe(1500);
    expect(seqsOn(seen, 'deep:1')).toEqual(range(1, 1500));
    expect(seen.map((s) => s.args[0])).toEqual(range(1, 1500));
  });

  it('messages named like Socket.IO reserved events or Herald’s own come in a `message` envelope, in their place, and the socket stays up', async () => {
    const h = await startHerald();
    const { socket, seen } = await plainSocket(h, await signToken(h, { sub: 'odd', channels: ['odd:*'] }));
    await socket.timeout(5000).emitWithAck('subscribe', { channel: 'odd:1' });
    const names = ['before', 'connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener', 'message', 'messages', 'unsubscribed', 'after'];
    for (const event of names.slice(0, 3)) await publish(h, { channel: 'odd:1', event, data: { event } });
    await publishBatch(h, names.slice(3).map((event) => ({ channel: 'odd:1', event, data: { event } })));
    await waitUntil(() => seen.length === names.length, 5000, `${names.length} events`);

    expect(seen.map((s) => s.event)).toEqual(names.map((n) => (n === 'before' || n === 'after' ? n : 'message')));
    // An envelope is the whole message, as on a socket without named events.
    const enveloped = seen.filter((s) => s.event === 'message').map((s) => s.args);
    for (const args of enveloped) {
      expect(args).toHaveLength(1);
      expect(Object.keys(args[0]).sort()).toEqual(['channel', 'data', 'event', 'id', 'seq', 'ts']);
      expect(args[0].data).toEqual({ event: args[0].event });
    }
    expect(seqsOn(seen, 'odd:1')).toEqual(range(1, names.length));
    expect(socket.connected).toBe(true);
    expect(await socket.timeout(5000).emitWithAck('unsubscribe', { channel: 'odd:1' })).toEqual({ ok: true });
  });

  it("socket.on('notification:new') receives the inbox's notifications on the automatic inbox channels", async () => {
    const h = await startHerald();
    const token = await signToken(h, { sub: 'ana', roles: ['admin'] });
    const { socket } = await plainSocket(h, token);
    const got: { data: any; meta: any }[] = [];
    socket.on('notification:new', (data: unknown, meta: unknown) => got.push({ data, meta }));
    const personal = await notifyOne(h, 'user:ana', { title: 'Your order is ready' });
    const admins = await notifyOne(h, 'role:admin', { type: 'system_alert', title: 'Disk almost full' });
    const everyone = await notifyOne(h, 'broadcast', { title: 'Maintenance tonight' });
    await waitUntil(() => got.length === 3, 5000, 'three notifications');
    expect(got.map((g) => [g.data.id, g.meta.channel, g.meta.seq])).toEqual([
      [personal, 'user:ana', 1],
      [admins, 'role:admin', 1],
      [everyone, 'broadcast', 1],
    ]);
    expect(got[0]!.data).toMatchObject({ title: 'Your order is ready', channel: 'user:ana' });

    // A change made on another device reaches this one as notification:updated on user:ana.
    const updated: any[] = [];
    socket.on('notification:updated', (data: unknown) => updated.push(data));
    const read = await request(h, 'POST', '/v1/inbox/read', { ids: [personal] }, { auth: token });
    expect(read.status).toBe(200);
    await waitUntil(() => updated.length === 1, 5000, 'notification:updated');
    expect(updated[0]).toMatchObject({ ids: [personal], unread: 2 });
  });

  it('works over HTTP long-polling too, batches included', async () => {
    const h = await startHerald();
    const { socket, seen } = await plainSocket(h, await signToken(h, { sub: 'poller', channels: ['poll:*'] }), NAMED, ['polling']);
    expect(socket.io.engine.transport.name).toBe('polling');
    await socket.timeout(5000).emitWithAck('subscribe', { channel: 'poll:1' });
    await publish(h, { channel: 'poll:1', event: 'order:created', data: 1 });
    await publishBatch(h, [2, 3, 4].map((n) => ({ channel: 'poll:1', event: n === 3 ? 'connect' : 'order:created', data: n })));
    await waitUntil(() => seen.length === 4, 5000, 'four events');
    expect(seen.map((s) => s.event)).toEqual(['order:created', 'order:created', 'message', 'order:created']);
    expect(seqsOn(seen, 'poll:1')).toEqual([1, 2, 3, 4]);
  });

  it('a named-events socket that stops reading loses its transport past the buffer limit, like any other', async () => {
    const h = await startHerald({ HERALD_SOCKET_BUFFER_LIMIT: String(1024 * 1024) });
    const reader = await connect(h, await signToken(h, { sub: 'reader' }));
    const token = await signToken(h, { sub: 'stalled' });
    // A bare WebSocket speaking Engine.IO by hand, so that it can stop reading (its listeners are
    // attached in the same tick, before the open packet can arrive).
    const ws = new WebSocket(`${h.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    onTestFinished(() => ws.terminate());
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    let named = 0;
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (data: Buffer) => {
        const text = data.toString();
        if (text.startsWith('0')) ws.send(`40${JSON.stringify({ token, events: 'named' })}`);
        else if (text.startsWith('40')) resolve();
        else if (text.startsWith('44')) reject(new Error(`refused: ${text}`));
        else if (text.startsWith('42["bulk",')) named++;
      });
      ws.once('error', reject);
    });
    // A probe first: the bare socket does get named events.
    await publish(h, { channel: 'broadcast', event: 'bulk', data: 'probe' });
    await waitUntil(() => named === 1, 5000, 'the probe');
    ws.pause();
    // ~24 MB of named events for the stalled socket (and envelopes for the reader).
    for (let b = 0; b < 8; b++) {
      await publishBatch(h, range(1, 50).map((i) => ({ channel: 'broadcast', event: 'bulk', data: `${b}:${i}:${'x'.repeat(60_000)}` })));
    }
    await waitUntil(() => reader.on('broadcast').length === 401, 20_000, 'the reader to receive everything');
    const metrics = await request(h, 'GET', '/metrics', undefined, { auth: null });
    expect(metrics.text).toMatch(/^herald_slow_consumer_disconnects_total 1$/m);
    ws.resume();
    await closed;
  });

  it('on a node cut off from Redis, what it catches up from the store comes as named events too, in order, then live ones', async () => {
    const shared = { HERALD_DATABASE_URL: await testDatabase(), HERALD_REDIS_URL: REDIS_URL, HERALD_REDIS_PREFIX: freshPrefix() };
    const a = await startHerald({ ...shared, HERALD_NODE_ID: 'named-a' });
    const b = await startHerald({ ...shared, HERALD_NODE_ID: 'named-b', HERALD_JWT_SECRET: a.secret, HERALD_API_KEYS: a.apiKey });
    const { socket, seen } = await plainSocket(b, await signToken(b, { sub: 'far', channels: ['jobs:*'] }));
    await socket.timeout(5000).emitWithAck('subscribe', { channel: 'jobs:9' });
    await publish(a, { channel: 'jobs:9', event: 'job:done', data: 1 });
    await waitUntil(() => seen.length === 1, 5000, 'the first message, through Redis');
    // While b's subscription to Redis is down, a's messages reach b only from the store.
    await killSubscriber('named-b');
    for (let n = 2; n <= 6; n++) await publish(a, { channel: 'jobs:9', event: 'job:done', data: n });
    await waitUntil(() => seen.length >= 6, 10_000, 'b to catch up');
    await publish(a, { channel: 'jobs:9', event: 'job:done', data: 7 });
    await waitUntil(() => seen.length >= 7, 10_000, 'the live message after');
    expect(seen.map((x) => x.event)).toEqual(Array(7).fill('job:done'));
    expect(seen.map((x) => [x.args[0], x.args[1].seq])).toEqual(range(1, 7).map((n) => [n, n]));
  });

  it('the cursor recipe of docs/protocol.md applies each message once, in order, across reconnects (inbox channels included)', async () => {
    const h = await startHerald();
    const token = await signToken(h, { sub: 'cook', channels: ['restaurant:*'] });
    const channels = ['restaurant:7', 'user:cook'];
    // The recipe, as the docs write it, on a socket that reconnects by itself.
    const socket = io(h.url, { auth: { token, events: 'named' }, transports: ['websocket'], reconnectionDelay: 50, reconnectionDelayMax: 100, forceNew: true });
    onTestFinished(() => {
      socket.disconnect();
    });
    const cursors = new Map<string, number>();
    const busy = new Set<string>();
    const applied: string[] = [];
    const once = (handler: (data: any, meta: any) => void) => (data: any, meta: any) => {
      const cursor = cursors.get(meta.channel);
      if (cursor !== undefined && meta.seq <= cursor) return;
      if (cursor !== undefined && meta.seq > cursor + 1) return void catchUp(meta.channel);
      cursors.set(meta.channel, meta.seq);
      handler(data, meta);
    };
    async function catchUp(channel: string): Promise<void> {
      if (busy.has(channel)) return;
      busy.add(channel);
      try {
        for (;;) {
          const since = cursors.get(channel);
          const ack = await socket
            .timeout(5000)
            .emitWithAck('subscribe', since === undefined ? { channel } : { channel, since })
            .catch(() => null);
          if (!ack?.ok) return;
          if (!ack.recovered) throw new Error('not recovered');
          if (since === undefined) cursors.set(channel, Math.max(ack.head, cursors.get(channel) ?? 0));
          if (cursors.get(channel)! >= ack.head) return;
        }
      } finally {
        busy.delete(channel);
      }
    }
    socket.on('order:created', once((data, meta) => applied.push(`${meta.channel}#${meta.seq}:${data}`)));
    let connects = 0;
    socket.on('connect', () => (connects++, channels.forEach((c) => void catchUp(c))));
    await waitUntil(() => channels.every((c) => cursors.has(c)), 5000, 'the first catch-up');

    let n = 0;
    /** Publish `count` more messages on each channel, up to 400 of each per batch. */
    const send = async (count: number) => {
      while (count > 0) {
        const items = [];
        for (let i = 0; i < Math.min(count, 400); i++) {
          n++;
          for (const channel of channels) items.push({ channel, event: 'order:created', data: n });
        }
        count -= items.length / channels.length;
        await publishBatch(h, items);
      }
    };
    await send(5);
    // Three transport drops (the client reconnects by itself), with messages published while it
    // is away and while it catches up; 1,100 of them once, past one replay's cap.
    for (const [k, away] of [20, 1100, 3].entries()) {
      (socket.io.engine as unknown as { close(): void }).close();
      await send(away);
      await waitUntil(() => connects === k + 2, 5000, 'the reconnect');
      await send(2);
    }
    await waitUntil(() => channels.every((c) => cursors.get(c) === n), 20_000, `cursors at ${n}`);
    for (const channel of channels) {
      expect(applied.filter((a) => a.startsWith(`${channel}#`))).toEqual(range(1, n).map((i) => `${channel}#${i}:${i}`));
    }
  });
});
