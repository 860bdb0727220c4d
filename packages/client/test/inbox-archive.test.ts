/**
 * The inbox's archived view, `unarchive`, `markSeen` and the load error, as a notification center
 * uses them: archiving on one device moves the item out of `items` and into the archived view on
 * both; unarchiving moves it back; "seen" marks spread without touching the unread count; a load
 * that cannot reach the server says why in the snapshot and recovers.
 */
import { describe, expect, it } from 'vitest';
import type { InboxSnapshot } from '../src/types.js';
import { extraProxy, FAST, notify, serverInbox, startClient, startStack, tokenFor, waitForSnapshot } from './harness.js';

const ids = (list: readonly { id: string }[]) => list.map((n) => n.id);
const view = (s: InboxSnapshot) => ({ items: ids(s.items), archived: ids(s.archived.items), unread: s.unread });

describe('inbox archived view', () => {
  it('moves items between the inbox and the archived view on both devices, and agrees with the server', { timeout: 30_000 }, async () => {
    const stack = await startStack();
    const { h, proxy } = stack;
    const proxyB = await extraProxy(stack);
    const token = await tokenFor(h, { sub: 'ana', roles: ['staff'] });
    const n1 = await notify(h, ['user:ana'], 'order:created', 'Order 1');
    const n2 = await notify(h, ['user:ana'], 'order:created', 'Order 2');
    const n3 = await notify(h, ['role:staff'], 'shift:changed', 'Shift moved');
    const a = startClient(proxy, { getToken: () => token, ...FAST });
    const b = startClient(proxyB, { getToken: () => token, ...FAST });
    await Promise.all([a.herald.inbox.ready(), b.herald.inbox.ready(), a.waitForState('live'), b.waitForState('live')]);
    expect(a.herald.inbox.getSnapshot().archived).toEqual({ items: [], hasMore: false, loaded: false });
    await Promise.all([a.herald.inbox.loadArchived(), b.herald.inbox.loadArchived()]);

    // Archive on A: applied at once on A, then on B through `notification:updated`.
    const archiving = a.herald.inbox.archive([n1, n3]);
    expect(view(a.herald.inbox.getSnapshot())).toEqual({ items: [n2], archived: [n3, n1], unread: 3 });
    await archiving;
    await waitForSnapshot(b, (s) => JSON.stringify(view(s)) === JSON.stringify({ items: [n2], archived: [n3, n1], unread: 3 }), 'B archived');
    const archivedAt = b.herald.inbox.getSnapshot().archived.items.map((n) => n.archivedAt);
    expect(archivedAt.every((t) => typeof t === 'string')).toBe(true);
    const server = await serverInbox(h, token);
    expect(ids(server.items)).toEqual([n2]);

    // Reading an archived item counts it down on both (archived items count until read).
    await b.herald.inbox.markRead([n1]);
    await waitForSnapshot(a, (s) => s.unread === 2 && s.archived.items.some((n) => n.id === n1 && n.readAt), 'A sees the read');

    // Unarchive on B: back in `items`, in id order, without archivedAt, on both.
    await b.herald.inbox.unarchive([n1]);
    for (const c of [a, b]) {
      const s = await waitForSnapshot(c, (x) => ids(x.items).join() === [n2, n1].join(), 'unarchived');
      expect(s.items.find((n) => n.id === n1)).not.toHaveProperty('archivedAt');
      expect(ids(s.archived.items)).toEqual([n3]);
    }

    // A device that never opened the archived view still drops archived items from `items`.
    const c = startClient(await extraProxy(stack), { getToken: () => token, ...FAST });
    await c.herald.inbox.ready();
    expect(ids(c.herald.inbox.getSnapshot().items)).toEqual([n2, n1]);
    await a.herald.inbox.archive([n2]);
    await waitForSnapshot(c, (s) => ids(s.items).join() === n1 && !s.archived.loaded, 'C drops the archived item');
  });

  it('marks seen on every device without changing the unread count, and only sends what is not seen yet', { timeout: 30_000 }, async () => {
    const stack = await startStack();
    const { h, proxy } = stack;
    const token = await tokenFor(h, { sub: 'ana' });
    const n1 = await notify(h, ['user:ana'], 'order:created', 'Order 1');
    const a = startClient(proxy, { getToken: () => token, ...FAST });
    const b = startClient(await extraProxy(stack), { getToken: () => token, ...FAST });
    await Promise.all([a.herald.inbox.ready(), b.herald.inbox.ready(), a.waitForState('live'), b.waitForState('live')]);

    await a.herald.inbox.markSeen([n1]);
    const seen = await waitForSnapshot(b, (s) => Boolean(s.items[0]?.seenAt), 'B sees seenAt');
    expect(seen.unread).toBe(1);
    expect(seen.items[0]!.readAt).toBeUndefined();
    // Already seen: no request goes out (nothing pending, nothing queued).
    const before = a.herald.inbox.getSnapshot();
    await a.herald.inbox.markSeen([n1]);
    expect(a.herald.inbox.getSnapshot()).toBe(before);
  });

  it('says why the first load failed, and clears it once a retry succeeds', { timeout: 30_000 }, async () => {
    const { h, proxy } = await startStack();
    const token = await tokenFor(h, { sub: 'ana' });
    // The socket connects, but the inbox endpoint fails twice (a server hiccup behind a balancer).
    proxy.failAnswers('/v1/inbox', 2);
    const a = startClient(proxy, { getToken: () => token, ...FAST });
    const failed = await waitForSnapshot(a, (s) => s.error !== undefined, 'the load error', 10_000);
    expect(failed).toMatchObject({ loaded: false, error: { code: 'UNAVAILABLE' } });
    const ok = await waitForSnapshot(a, (s) => s.loaded, 'loaded after the server recovered', 20_000);
    expect(ok.error).toBeUndefined();
  });
});
