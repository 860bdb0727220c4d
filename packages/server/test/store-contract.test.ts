/**
 * The `Store` / `InboxStore` contract, run against the store of the current project: SQLite in
 * the default project, PostgreSQL in the `postgres` one. Stores are opened directly through
 * `openStore`. On PostgreSQL each "node" is its own `Store` (own pool) on one shared database, as
 * several Herald processes would be; on SQLite one store is the whole single-node deployment, so
 * the "nodes" are that one store, and only the cases that need several instances are skipped.
 */
import net from 'node:net';
import pg from 'pg';
import { describe, expect, it, onTestFinished as onFinished } from 'vitest';
import { HeraldError } from '@herald/protocol';
import { openStore, type AppendRequest, type Store } from '../src/store/index.js';
import { range, tempDir } from './helpers.js';
import { TEST_STORE, databaseUrl, testDatabase, withAdmin } from './pg-database.js';

const postgres = TEST_STORE === 'postgres';

/** `n` nodes on one fresh database (one SQLite store shared by every "node"), closed when the test ends. */
async function openNodes(n: number): Promise<Store[]> {
  if (!postgres) {
    const store = await openStore({ kind: 'sqlite', file: `${tempDir()}/herald.db` });
    onFinished(() => store.close());
    return Array.from({ length: n }, () => store);
  }
  return openPostgresNodes(await testDatabase(), range(1, n).map((i) => `herald:contract-${i}`));
}

/** One PostgreSQL node per name (its `application_name`), all on `url`, opened at once as nodes starting together would. */
async function openPostgresNodes(url: string, names: string[]): Promise<Store[]> {
  const nodes = await Promise.all(names.map((applicationName) => openStore({ kind: 'postgres', url, poolSize: 4 }, { applicationName })));
  onFinished(() => Promise.all(nodes.map((s) => s.close())).then(() => undefined));
  return nodes;
}

const req = (channels: string[], data: unknown = null, idempotency?: { key: string; fingerprint: string }): AppendRequest => ({
  channels,
  event: 'test:e',
  data: data as AppendRequest['data'],
  dataJson: JSON.stringify(data),
  idempotency,
});

/** The seqs a channel holds, read page by page through `store.read`. */
async function seqsOf(store: Store, channel: string): Promise<number[]> {
  const seqs: number[] = [];
  for (let after = 0; ; ) {
    const page = await store.read(channel, after, 1000);
    if (page.length === 0) return seqs;
    seqs.push(...page.map((m) => m.seq));
    after = page[page.length - 1]!.seq;
  }
}

const storedSeqs = (outcomes: Awaited<ReturnType<Store['append']>>, channel: string) =>
  outcomes.flatMap((o) => (o.kind === 'stored' ? o.messages.filter((m) => m.channel === channel).map((m) => m.seq) : []));

describe(`store contract (${TEST_STORE})`, () => {
  it('concurrent appends to one channel from three nodes get seqs 1..N once each, each caller in its own order', async () => {
    const nodes = await openNodes(3);
    const callers = range(0, 11).map((i) => ({ node: nodes[i % 3]!, seqs: [] as number[] }));
    await Promise.all(
      callers.map(async (caller, i) => {
        for (let round = 0; round < 15; round++) {
          // One to three publishes per call, one message each on the hot channel.
          const requests = range(0, (i + round) % 3).map(() => req(['hot:1'], { caller: i, round }));
          caller.seqs.push(...storedSeqs(await caller.node.append(requests), 'hot:1'));
        }
      }),
    );
    const all = callers.flatMap((c) => c.seqs);
    for (const c of callers) expect(c.seqs).toEqual([...c.seqs].sort((a, b) => a - b));
    expect([...all].sort((a, b) => a - b)).toEqual(range(1, all.length));
    expect(await seqsOf(nodes[1]!, 'hot:1')).toEqual(range(1, all.length));
    expect((await nodes[2]!.channelStates(['hot:1'])).get('hot:1')).toEqual({ head: all.length, floor: 0 });
  });

  it('multi-channel batches appended concurrently in opposite channel orders finish without deadlock, every channel contiguous', async () => {
    const nodes = await openNodes(3);
    const channels = ['x:a', 'x:b', 'x:c', 'x:d'];
    const reversed = [...channels].reverse();
    const counts = new Map(channels.map((c) => [c, 0]));
    await Promise.all(
      range(0, 8).map(async (i) => {
        const node = nodes[i % 3]!;
        for (let round = 0; round < 10; round++) {
          const order = (i + round) % 2 === 0 ? channels : reversed;
          // A batch of publishes, each on several channels, in the caller's channel order.
          const batch = [req(order), req([order[0]!, order[2]!]), req([order[3]!, order[1]!])];
          for (const o of await node.append(batch)) for (const m of o.kind === 'stored' ? o.messages : []) counts.set(m.channel, counts.get(m.channel)! + 1);
        }
      }),
    );
    for (const c of channels) expect(await seqsOf(nodes[0]!, c), c).toEqual(range(1, counts.get(c)!));
  });

  it('an idempotency key raced by two nodes is stored once; both get the same refs, a different request gets a conflict', async () => {
    const [a, b] = await openNodes(2);
    const keys = range(1, 20).map((i) => `publish:race-${i}`);
    const answers = await Promise.all(
      keys.flatMap((key, i) => [a!, b!].map((node) => node.append([req([`idem:${i}`], i, { key, fingerprint: `f${i}` })]))),
    );
    for (let i = 0; i < keys.length; i++) {
      const pair = [answers[2 * i]![0]!, answers[2 * i + 1]![0]!];
      expect(pair.map((o) => o.kind).sort(), keys[i]).toEqual(['replayed', 'stored']);
      const refs = pair.map((o) => (o.kind === 'stored' ? o.messages.map(({ channel, seq, id }) => ({ channel, seq, id })) : o.kind === 'replayed' ? o.refs : []));
      expect(refs[0]).toEqual(refs[1]);
      expect(await seqsOf(a!, `idem:${i}`)).toEqual([1]);
    }
    const differing = await Promise.all([a!, b!].map((node, n) => node.append([req(['idem:x'], n, { key: 'publish:x', fingerprint: `f${n}` })])));
    expect(differing.map((o) => o[0]!.kind).sort()).toEqual(['conflict', 'stored']);
    expect(await seqsOf(b!, 'idem:x')).toEqual([1]);
  });

  it('a reader never sees seq k before k-1, and an append returning seq k finds 1..k visible on every node', async () => {
    const nodes = await openNodes(4);
    const [reader, ...writers] = nodes;
    let done = false;
    let polls = 0;
    const poll = (async () => {
      for (let after = 0; !done || after < 300; polls++) {
        const page = await reader!.read('order:1', after, 1000);
        // Whatever a read returns starts right after the cursor and has no hole.
        expect(page.map((m) => m.seq)).toEqual(range(after + 1, after + page.length));
        if (page.length > 0) after = page[page.length - 1]!.seq;
        // SQLite answers within the same turn: let the writers' group commits run.
        await new Promise((r) => setImmediate(r));
      }
    })();
    await Promise.all(
      writers.map(async (node, w) => {
        for (let i = 0; i < 25; i++) {
          const outcomes = await node.append(range(1, 4).map(() => req(['order:1'], { w, i })));
          const k = Math.max(...storedSeqs(outcomes, 'order:1'));
          const other = nodes[(w + 2) % nodes.length]!;
          expect((await other.read('order:1', 0, k)).map((m) => m.seq)).toEqual(range(1, k));
        }
      }),
    );
    done = true;
    await poll;
    expect(polls).toBeGreaterThan(1);
  });

  it('retention run by two nodes at once removes each message once and raises the floor', async () => {
    const [a, b] = await openNodes(2);
    await a!.append(range(1, 30).map((i) => req(['trim:1', 'keep:1'], i)));
    await a!.append([req(['once:1'], 0, { key: 'publish:old', fingerprint: 'f' })]);
    const rules = { '*': { ttlMs: 86_400_000, maxCount: 100_000 }, trim: { ttlMs: 86_400_000, maxCount: 5 } };
    const byCount = await Promise.all([a!.prune(rules, Date.now()), b!.prune(rules, Date.now())]);
    expect(byCount.reduce((n, r) => n + r.messages, 0)).toBe(25);
    expect(await seqsOf(b!, 'trim:1')).toEqual(range(26, 30));
    expect(await seqsOf(b!, 'keep:1')).toEqual(range(1, 30));
    expect((await b!.channelStates(['trim:1'])).get('trim:1')).toEqual({ head: 30, floor: 25 });
    // By age (every message older than 1 ms a day from now), and idempotency keys past their 24 h.
    const later = Date.now() + 25 * 3_600_000;
    const byAge = await Promise.all([a!.prune({ '*': { ttlMs: 1, maxCount: 100_000 } }, later), b!.prune({ '*': { ttlMs: 1, maxCount: 100_000 } }, later)]);
    expect(byAge.reduce((n, r) => n + r.messages, 0)).toBe(5 + 30 + 1);
    expect(byAge.reduce((n, r) => n + r.idempotencyKeys, 0)).toBe(1);
    const states = await a!.channelStates(['trim:1', 'keep:1']);
    expect([...states.values()]).toEqual([
      { head: 30, floor: 30 },
      { head: 30, floor: 30 },
    ]);
    expect(storedSeqs(await b!.append([req(['trim:1'])]), 'trim:1')).toEqual([31]);
  });

  it('an inbox notification and state changes made through one node are seen through the others', async () => {
    const nodes = await openNodes(3);
    const [a, b, c] = nodes;
    const viewer = { sub: 'u1', channels: ['user:u1', 'role:admin', 'broadcast'] };
    /** Every node answers the same unread count (each asked again after every change). */
    const expectUnread = async (n: number) => expect(await Promise.all(nodes.map((node) => node.inbox.unreadCount(viewer)))).toEqual([n, n, n]);
    await expectUnread(0);
    // One notification to two of u1's channels (one item), then one more.
    const ids: string[] = [];
    for (const to of [['user:u1', 'broadcast'], ['broadcast']]) {
      const created = await a!.inbox.create({ to, type: 'order', title: 'New order', priority: 'normal' });
      expect(created.kind).toBe('stored');
      if (created.kind === 'stored') ids.push(created.refs[0]!.id);
    }
    const page = await b!.inbox.list(viewer, { status: 'all', archived: 'all', limit: 10 });
    expect(page.items.map((n) => n.id)).toEqual([...ids].reverse());
    expect(page.unread).toBe(2);
    await expectUnread(2);

    // Two nodes mark the same item read at the same moment: it changes once, one message tells the devices.
    const raced = await Promise.all([b!.inbox.update(viewer, 'read', [ids[0]!]), c!.inbox.update(viewer, 'read', [ids[0]!])]);
    expect(raced.map((r) => r.updated).sort()).toEqual([0, 1]);
    expect(raced.filter((r) => r.message !== undefined)).toHaveLength(1);
    await expectUnread(1);
    expect((await a!.inbox.list(viewer, { status: 'unread', archived: 'all', limit: 10 })).items.map((n) => n.id)).toEqual([ids[1]]);

    const deleted = await c!.inbox.update(viewer, 'delete', [ids[1]!]);
    expect(deleted).toMatchObject({ updated: 1, unread: 0, message: { channel: 'user:u1', event: 'notification:deleted' } });
    await expectUnread(0);
    expect((await b!.inbox.list(viewer, { status: 'all', archived: 'all', limit: 10 })).items.map((n) => n.id)).toEqual([ids[0]]);
    await expect(a!.inbox.update(viewer, 'read', [ids[1]!])).rejects.toMatchObject({ code: 'NOT_FOUND' });

    await a!.inbox.create({ to: ['role:admin'], type: 'alert', title: 'Alert', priority: 'high' });
    await expectUnread(1);
    expect((await b!.inbox.setPreferences(viewer, ['alert'])).unread).toBe(0);
    expect(await c!.inbox.getPreferences('u1')).toEqual({ mutedTypes: ['alert'] });
    await expectUnread(0);
    await c!.inbox.setPreferences(viewer, []);
    await expectUnread(1);
    expect(await a!.inbox.readAll(viewer, undefined)).toMatchObject({ updated: 1, unread: 0 });
    await expectUnread(0);

    // An item that expires counts until it does, then no longer, on every node.
    await b!.inbox.create({ to: ['broadcast'], type: 'flash', title: 'Flash', priority: 'low', expiresAt: Date.now() + 400 });
    await expectUnread(1);
    await new Promise((r) => setTimeout(r, 500));
    await expectUnread(0);
    // Every notification:* message went to user:u1 in seq order, whichever node wrote it.
    expect(await seqsOf(c!, 'user:u1')).toEqual(range(1, 6));
  });
});

describe.runIf(postgres)('several PostgreSQL nodes (skipped on SQLite: one process, one store)', () => {
  it('nodes opened at once on an empty database migrate it once and all work', async () => {
    const nodes = await openNodes(4);
    const outcomes = await Promise.all(nodes.map((n) => n.append([req(['boot:1'])])));
    expect(outcomes.flatMap((o) => storedSeqs(o, 'boot:1')).sort()).toEqual([1, 2, 3, 4]);
  });

  it('a node whose connections are terminated answers UNAVAILABLE, then recovers on its own', async () => {
    const url = await testDatabase();
    const database = new URL(url).pathname.slice(1);
    const [victim, other] = await openPostgresNodes(url, ['herald:victim', 'herald:bystander']);
    await victim!.append([req(['kill:1'])]);
    // An outside session holds the channel's row lock, so the victim's next append waits inside its transaction.
    const lock = await holdChannelLock(database, 'kill:1');
    // Caught at once: it fails while the test is still terminating the connections.
    const waiting = victim!.append([req(['kill:1'])]).then(() => undefined, (err: unknown) => err);
    await new Promise((r) => setTimeout(r, 200));
    await withAdmin((admin) =>
      admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'herald:victim' AND datname = $1`, [database]),
    );
    expect(await waiting).toSatisfy((e: unknown) => e instanceof HeraldError && e.code === 'UNAVAILABLE' && e.status === 503);
    await lock.release();
    // The pool drops the dead idle connections as their errors arrive, which can take a moment
    // after the termination: until then a call may still answer UNAVAILABLE (safe reads here), and
    // then calls open new connections, without a restart.
    const recovering = Date.now() + 5000;
    for (;;) {
      const ok = await victim!.ping().then(() => true, (err: unknown) => (err instanceof HeraldError && err.code === 'UNAVAILABLE' ? false : Promise.reject(err)));
      if (ok) break;
      if (Date.now() > recovering) throw new Error('the victim did not recover within 5 s');
    }
    expect(storedSeqs(await victim!.append([req(['kill:1'])]), 'kill:1')).toEqual([2]);
    expect(await seqsOf(other!, 'kill:1')).toEqual([1, 2]);
  });

  it('a database that goes away answers UNAVAILABLE, and the pool reconnects when it is back', async () => {
    const url = new URL(await testDatabase());
    const proxy = await startProxy(Number(url.port || 5432));
    url.port = String(proxy.port);
    const store = await openStore({ kind: 'postgres', url: url.toString(), poolSize: 2 });
    onFinished(() => store.close());
    await store.append([req(['away:1'])]);
    await proxy.stop();
    for (const call of [() => store.ping(), () => store.read('away:1', 0, 10), () => store.append([req(['away:1'])]), () => store.inbox.unreadCount({ sub: 'u', channels: ['user:u'] })]) {
      await expect(call()).rejects.toSatisfy((e: unknown) => e instanceof HeraldError && e.code === 'UNAVAILABLE');
    }
    await proxy.start();
    await store.ping();
    expect((await store.read('away:1', 0, 10)).map((m) => m.seq)).toEqual([1]);
    expect(storedSeqs(await store.append([req(['away:1'])]), 'away:1')).toEqual([2]);
  });
});

/** Hold the row lock of `channel` from an outside session on `database` until `release()`. */
async function holdChannelLock(database: string, channel: string): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: databaseUrl(database), application_name: 'herald:test-lock' });
  client.on('error', () => {});
  await client.connect();
  onFinished(() => client.end().catch(() => {}));
  await client.query('BEGIN');
  await client.query('SELECT head FROM channels WHERE name = $1 FOR UPDATE', [channel]);
  return {
    async release() {
      await client.query('ROLLBACK');
    },
  };
}

/** A TCP proxy to PostgreSQL that can be stopped (connections cut, new ones refused) and started again. */
async function startProxy(target: number): Promise<{ port: number; stop(): Promise<void>; start(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const start = () =>
    new Promise<void>((resolve) => {
      server = net.createServer((client) => {
        const upstream = net.connect(target, '127.0.0.1');
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('error', () => {});
          s.on('close', () => sockets.delete(s));
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server!.close(() => resolve());
    });
  await start();
  onFinished(() => (server?.listening ? stop() : undefined));
  return { port, start, stop };
}
