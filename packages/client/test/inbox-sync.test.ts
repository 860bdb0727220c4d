/**
 * Two devices of one user (two SDK clients, separate storages, separate network paths) keep the
 * same inbox: read, delete and read-all done on one show on the other, and the unread count
 * equals the server's `/v1/inbox/unread-count`. Actions taken offline are applied at once, sent
 * when the network is back; a refused one is rolled back.
 */
import { describe, expect, it } from 'vitest';
import type { InboxSnapshot } from '../src/types.js';
import {
  extraProxy,
  FAST,
  itemState,
  notify,
  serverInbox,
  sleep,
  startClient,
  startStack,
  summary,
  tokenFor,
  waitForSnapshot,
  type Client,
  type Herald,
} from './harness.js';

/**
 * Wait until every client's snapshot shows exactly the server's inbox (ids, readAt / archivedAt
 * values) and unread count. With `readStateOnly`, whether each item is read is compared instead
 * of the timestamps.
 */
async function expectInSync(h: Herald, token: string, clients: Client[], what: string, ms = 5000, readStateOnly = false): Promise<void> {
  const deadline = Date.now() + ms;
  const shape = (items: ReturnType<typeof itemState>[]) =>
    readStateOnly ? items.map((n) => ({ id: n.id, read: n.readAt !== undefined, archived: n.archivedAt !== undefined })) : items;
  for (;;) {
    const server = await serverInbox(h, token);
    const want = { unread: server.count, items: shape(server.items.map(itemState)) };
    const views = clients.map((c) => {
      const s = summary(c.herald.inbox.getSnapshot());
      return { unread: s.unread, items: shape(s.items) };
    });
    if (server.unread === server.count && views.every((v) => JSON.stringify(v) === JSON.stringify(want))) return;
    if (Date.now() > deadline) {
      expect(server.unread, `${what}: GET /v1/inbox unread vs unread-count`).toBe(server.count);
      views.forEach((v, i) => expect(v, `${what}: client ${i}`).toEqual(want));
    }
    await sleep(25);
  }
}

const unreadIds = (s: InboxSnapshot) => s.items.filter((n) => !n.readAt).map((n) => n.id);

async function twoDevices() {
  const stack = await startStack();
  const { h, proxy } = stack;
  const proxyB = await extraProxy(stack);
  const token = await tokenFor(h, { sub: 'ana', roles: ['staff'] });
  const a = startClient(proxy, { getToken: () => token, ...FAST });
  const b = startClient(proxyB, { getToken: () => token, ...FAST });
  await Promise.all([a.herald.inbox.ready(), b.herald.inbox.ready()]);
  await Promise.all([a.waitForState('live'), b.waitForState('live')]);
  return { h, proxyA: proxy, proxyB, token, a, b };
}

describe('inbox sync across two devices of one user', () => {
  it('agrees on read, delete and the unread count', { timeout: 30_000 }, async () => {
    const { h, token, a, b } = await twoDevices();
    const carlToken = await tokenFor(h, { sub: 'carl', roles: ['staff'] });
    expect(a.herald.inbox.getSnapshot()).toMatchObject({ items: [], unread: 0, loaded: true, pendingActions: 0 });

    const p1 = await notify(h, ['user:ana'], 'order:created', 'Order 1');
    const p2 = await notify(h, ['user:ana'], 'order:created', 'Order 2');
    const p3 = await notify(h, ['user:ana'], 'order:created', 'Order 3');
    const shared = await notify(h, ['role:staff'], 'shift:changed', 'Shift moved');
    const all = await notify(h, ['broadcast'], 'system:alert', 'Maintenance tonight');
    await expectInSync(h, token, [a, b], 'after five notifications');
    expect(a.herald.inbox.getSnapshot().items.map((n) => n.id)).toEqual([all, shared, p3, p2, p1]);
    expect(a.herald.inbox.getSnapshot().unread).toBe(5);

    // Read on A: B shows it read, with the same readAt, and both count 4.
    await a.herald.inbox.markRead([p1]);
    await expectInSync(h, token, [a, b], 'after A read p1');
    expect(b.herald.inbox.getSnapshot().items.find((n) => n.id === p1)!.readAt).toEqual(expect.any(String));
    expect(b.herald.inbox.getSnapshot().unread).toBe(4);

    // A shared (role) notification read on B: read for ana only, still unread for carl.
    await b.herald.inbox.markRead([shared]);
    await expectInSync(h, token, [a, b], 'after B read the role notification');
    expect(a.herald.inbox.getSnapshot().unread).toBe(3);
    const carl = await serverInbox(h, carlToken);
    expect(carl.items.find((n) => n.id === shared)!.readAt).toBeUndefined();
    expect(carl.count).toBe(2);

    // Delete on B: gone from A too.
    await b.herald.inbox.delete([p2]);
    await expectInSync(h, token, [a, b], 'after B deleted p2');
    expect(a.herald.inbox.getSnapshot().items.map((n) => n.id)).not.toContain(p2);
    expect(a.herald.inbox.getSnapshot().unread).toBe(2);

    // A new one reaches both.
    const p4 = await notify(h, ['user:ana'], 'order:created', 'Order 4');
    await expectInSync(h, token, [a, b], 'after p4');
    expect(unreadIds(b.herald.inbox.getSnapshot()).sort()).toEqual([all, p3, p4].sort());
  });

  it('agrees on read-all, with and without a `before` time', { timeout: 30_000 }, async () => {
    const { h, token, a, b } = await twoDevices();
    const carlToken = await tokenFor(h, { sub: 'carl', roles: ['staff'] });
    const p1 = await notify(h, ['user:ana'], 'order:created', 'Order 1');
    await notify(h, ['role:staff'], 'shift:changed', 'Shift moved');
    await notify(h, ['broadcast'], 'system:alert', 'Maintenance tonight');
    await b.herald.inbox.markRead([p1]);
    await expectInSync(h, token, [a, b], 'after three notifications, one read');
    expect(a.herald.inbox.getSnapshot().unread).toBe(2);

    // Read state and counts first, so that a timestamp disagreement (checked last) hides nothing.
    await a.herald.inbox.markAllRead();
    await expectInSync(h, token, [a, b], 'after A read all (read state)', 5000, true);
    expect(a.herald.inbox.getSnapshot().unread).toBe(0);
    expect(unreadIds(b.herald.inbox.getSnapshot())).toEqual([]);
    expect((await serverInbox(h, carlToken)).count).toBe(2);

    // read-all with `before` leaves newer ones unread, on both.
    const p4 = await notify(h, ['user:ana'], 'order:created', 'Order 4');
    await sleep(20);
    const cut = new Date().toISOString();
    await sleep(20);
    const p5 = await notify(h, ['user:ana'], 'order:created', 'Order 5');
    await expectInSync(h, token, [a, b], 'after p4, p5 (read state)', 5000, true);
    await b.herald.inbox.markAllRead(cut);
    await expectInSync(h, token, [a, b], 'after B read all before p5 (read state)', 5000, true);
    expect(unreadIds(a.herald.inbox.getSnapshot())).toEqual([p5]);
    expect(b.herald.inbox.getSnapshot().items.find((n) => n.id === p4)!.readAt).toEqual(expect.any(String));

    // Both devices show the server's own readAt on every item, as they do after a single read.
    await expectInSync(h, token, [a, b], 'after read-all (readAt values)');
  });

  it('applies actions taken offline at once, sends them when back online, and the other device follows', { timeout: 30_000 }, async () => {
    const { h, proxyA, token, a, b } = await twoDevices();
    const ids: string[] = [];
    for (let i = 1; i <= 4; i++) ids.push(await notify(h, ['user:ana'], 'order:created', `Order ${i}`));
    await expectInSync(h, token, [a, b], 'after four notifications');
    const [n1, n2, n3, n4] = ids as [string, string, string, string];

    proxyA.refuseAll(true);
    await a.waitForState('offline', 5000);
    const done = [a.herald.inbox.markRead([n1]), a.herald.inbox.delete([n2]), a.herald.inbox.markRead([n3]), a.herald.inbox.delete([n3])];
    const offline = a.herald.inbox.getSnapshot();
    expect(offline.pendingActions).toBe(4);
    expect(offline.items.map((n) => n.id)).toEqual([n4, n1]);
    expect(offline.items.find((n) => n.id === n1)!.readAt).toEqual(expect.any(String));
    expect(offline.unread).toBe(1);

    // Nothing reached the server or the other device.
    await sleep(500);
    expect((await serverInbox(h, token)).count).toBe(4);
    expect(summary(b.herald.inbox.getSnapshot()).unread).toBe(4);
    expect(b.herald.inbox.getSnapshot().items).toHaveLength(4);

    proxyA.refuseAll(false);
    await Promise.all(done);
    await expectInSync(h, token, [a, b], 'after A came back online', 10_000);
    expect(a.herald.inbox.getSnapshot().pendingActions).toBe(0);
    expect(b.herald.inbox.getSnapshot().items.map((n) => n.id)).toEqual([n4, n1]);
    expect(b.herald.inbox.getSnapshot().unread).toBe(1);
  });

  it('rolls back an action the server refuses, on the device that took it', { timeout: 20_000 }, async () => {
    const { h, token, a, b } = await twoDevices();
    const n1 = await notify(h, ['user:ana'], 'order:created', 'Order 1');
    const n2 = await notify(h, ['user:ana'], 'order:created', 'Order 2');
    await expectInSync(h, token, [a, b], 'after two notifications');

    // An id longer than 64 characters makes the whole request invalid (VALIDATION_FAILED).
    const refused = a.herald.inbox.markRead([n1, 'x'.repeat(65)]);
    const outcome = await Promise.race([
      refused.then(
        () => 'resolved',
        (err: { code?: string }) => `rejected ${err?.code}`,
      ),
      sleep(5000).then(() => 'pending'),
    ]);
    expect(outcome, 'a refused action settles and reports the refusal').toBe('rejected VALIDATION_FAILED');
    await waitForSnapshot(a, (s) => s.pendingActions === 0 && s.unread === 2, 'the refused read rolled back');
    expect(unreadIds(a.herald.inbox.getSnapshot()).sort()).toEqual([n1, n2].sort());
    await expectInSync(h, token, [a, b], 'after the refusal');

    // The queue goes on after a refusal.
    await a.herald.inbox.markRead([n2]);
    await expectInSync(h, token, [a, b], 'after reading n2');
    expect(unreadIds(b.herald.inbox.getSnapshot())).toEqual([n1]);
  });
});

describe('inbox catch-up of a device that was away', () => {
  for (const away of ['offline', 'polling'] as const) {
    it(`the other device applies what happened while it was ${away === 'offline' ? 'offline' : 'on /v1/sync only'}`, { timeout: 30_000 }, async () => {
      const { h, proxyB, token, a, b } = await twoDevices();
      const ids: string[] = [];
      for (let i = 1; i <= 4; i++) ids.push(await notify(h, ['user:ana'], 'order:created', `Order ${i}`));
      await expectInSync(h, token, [a, b], 'after four notifications');
      const [n1, n2, n3] = ids as [string, string, string, string];
      const announcedBefore = b.announced.length;

      if (away === 'offline') {
        proxyB.refuseAll(true);
        await b.waitForState('offline', 5000);
      } else {
        proxyB.refuseSocket(true);
        proxyB.cutAll();
        // 'polling' shows once a first /v1/sync answers: at the latest after its long-poll wait (5 s).
        await b.waitForState('polling', 10_000);
      }
      await a.herald.inbox.markRead([n1]);
      await a.herald.inbox.delete([n2]);
      const n5 = await notify(h, ['user:ana'], 'order:created', 'Order 5');
      await a.herald.inbox.markRead([n3]);
      await expectInSync(h, token, [a], 'A after its changes');
      if (away === 'offline') {
        await sleep(300);
        expect(b.herald.inbox.getSnapshot().items).toHaveLength(4);
        proxyB.refuseAll(false);
      }
      await expectInSync(h, token, [a, b], `B after being ${away}`, 10_000);
      expect(unreadIds(b.herald.inbox.getSnapshot()).sort()).toEqual([ids[3]!, n5].sort());
      expect(b.announced.slice(announcedBefore).map((n) => n.id)).toEqual([n5]);
    });
  }
});

describe('inbox under server hiccups', () => {
  it('completes the first load when its first attempt gets a 503 while the socket stays up', { timeout: 20_000 }, async () => {
    const { h, proxy } = await startStack();
    const token = await tokenFor(h, { sub: 'hal' });
    const n1 = await notify(h, ['user:hal'], 'order:created', 'Order 1');
    proxy.failAnswers('/v1/inbox', 1);
    const c = startClient(proxy, { getToken: () => token, ...FAST });
    await c.waitForState('live');
    const loaded = await Promise.race([c.herald.inbox.ready().then(() => true), sleep(8000).then(() => false)]);
    expect(proxy.stats.answers['503 /v1/inbox']).toBe(1);
    expect(loaded, `ready() within 8 s of a single failed load; state ${c.herald.state}, changes ${c.changes.length}`).toBe(true);
    expect(c.herald.inbox.getSnapshot().items.map((n) => n.id)).toEqual([n1]);
    expect(c.herald.inbox.getSnapshot().unread).toBe(1);
  });

  it('retries an action that got a 503 instead of rolling it back', { timeout: 20_000 }, async () => {
    const { h, proxy } = await startStack();
    const token = await tokenFor(h, { sub: 'ida' });
    const n1 = await notify(h, ['user:ida'], 'order:created', 'Order 1');
    const c = startClient(proxy, { getToken: () => token, ...FAST });
    await c.herald.inbox.ready();
    await c.waitForState('live');
    const views: boolean[] = [];
    c.herald.inbox.subscribe(() => views.push(c.herald.inbox.getSnapshot().items.find((n) => n.id === n1)?.readAt !== undefined));

    proxy.failAnswers('/v1/inbox/read', 1);
    const outcome = await Promise.race([
      c.herald.inbox.markRead([n1]).then(
        () => 'resolved',
        (err: { code?: string }) => `rejected ${err?.code}`,
      ),
      sleep(10_000).then(() => 'pending'),
    ]);
    expect(outcome).toBe('resolved');
    expect(proxy.stats.answers['503 /v1/inbox/read']).toBe(1);
    expect((await serverInbox(h, token)).count).toBe(0);
    // Shown read from the first moment on, never flipped back to unread.
    expect(views[0]).toBe(true);
    expect(views.every(Boolean), JSON.stringify(views)).toBe(true);
    expect(c.herald.inbox.getSnapshot()).toMatchObject({ unread: 0, pendingActions: 0 });
  });
});
