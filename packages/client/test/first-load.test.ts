/**
 * "New notification" callbacks (SPEC §1 scenario 1, §5): nothing on the first inbox load, exactly
 * once for each notification that arrives after it, nothing again after a reload with the same
 * storage (not for old items, not for what a reconnect replays), and never for a muted type —
 * which still shows in the inbox.
 */
import { describe, expect, it } from 'vitest';
import type { Notification } from '../src/types.js';
import {
  extraProxy,
  FAST,
  notify,
  serverInbox,
  sleep,
  startClient,
  startCutting,
  startStack,
  tokenFor,
  waitForSnapshot,
  waitUntil,
  type Client,
} from './harness.js';

const ids = (ns: readonly Notification[]) => ns.map((n) => n.id);

/** Wait until `client` announced `id`; then a little longer, so a second announcement would show. */
async function announcedOnce(client: Client, id: string): Promise<void> {
  await waitUntil(() => client.announced.some((n) => n.id === id), 5000, `onNotification for ${id} (got ${JSON.stringify(ids(client.announced))})`);
  await sleep(200);
}

describe('onNotification', () => {
  it('is silent on first load, fires once for a new one, and a reload with the same storage re-announces nothing', { timeout: 30_000 }, async () => {
    const { h, proxy } = await startStack();
    const token = await tokenFor(h, { sub: 'bob', roles: ['admin'] });
    const old = [
      await notify(h, ['user:bob'], 'order:created', 'Order 1'),
      await notify(h, ['role:admin'], 'system:alert', 'Disk 80%'),
      await notify(h, ['broadcast'], 'news', 'Welcome'),
    ];

    const first = startClient(proxy, { getToken: () => token, ...FAST });
    await first.herald.inbox.ready();
    expect(first.herald.inbox.getSnapshot()).toMatchObject({ loaded: true, unread: 3 });
    expect(ids(first.herald.inbox.getSnapshot().items)).toEqual([...old].reverse());
    await first.waitForState('live');

    // The first new one is announced, once; its arrival also proves nothing older is on its way.
    const fresh = await notify(h, ['user:bob'], 'order:created', 'Order 2');
    await announcedOnce(first, fresh);
    expect(ids(first.announced)).toEqual([fresh]);
    expect(first.announced[0]).toMatchObject({ id: fresh, type: 'order:created', title: 'Order 2', channel: 'user:bob' });
    await waitForSnapshot(first, (s) => s.items[0]?.id === fresh && s.unread === 4, 'the new one in the snapshot');

    // One created while the page is closed belongs to the reload's first load: not announced.
    await first.close();
    const whileClosed = await notify(h, ['role:admin'], 'system:alert', 'Disk 90%');

    const reloaded = startClient(proxy, { getToken: () => token, ...FAST, storage: first.storage });
    await reloaded.herald.inbox.ready();
    expect(ids(reloaded.herald.inbox.getSnapshot().items)).toEqual([whileClosed, fresh, ...[...old].reverse()]);
    expect(reloaded.herald.inbox.getSnapshot().unread).toBe(5);
    await reloaded.waitForState('live');
    const afterReload = await notify(h, ['user:bob'], 'order:created', 'Order 3');
    await announcedOnce(reloaded, afterReload);
    expect(ids(reloaded.announced)).toEqual([afterReload]);
    expect(ids(first.announced)).toEqual([fresh]);
  });

  it('announces each notification exactly once while connections are cut every 150 ms', { timeout: 40_000 }, async () => {
    const { h, proxy } = await startStack();
    const token = await tokenFor(h, { sub: 'dora', roles: ['staff'] });
    const c = startClient(proxy, { getToken: () => token, ...FAST });
    await c.herald.inbox.ready();
    await c.waitForState('live');

    const cutter = startCutting(proxy, 150);
    const created: string[] = [];
    for (let i = 0; i < 30; i++) {
      const to = i % 3 === 0 ? ['role:staff'] : i % 3 === 1 ? ['broadcast'] : ['user:dora'];
      created.push(await notify(h, to, 'order:created', `Order ${i}`));
      await sleep(80);
    }
    cutter.stop();
    await waitUntil(() => c.announced.length >= created.length, 15_000, `30 announcements (got ${c.announced.length})`);
    await sleep(500);
    expect(ids(c.announced).sort()).toEqual([...created].sort());
    await waitForSnapshot(c, (s) => s.unread === 30 && s.items.length === 30, 'all 30 in the snapshot');
    expect((await serverInbox(h, token)).count).toBe(30);

    // A reload after all that announces none of them again.
    await c.close();
    const reloaded = startClient(proxy, { getToken: () => token, ...FAST, storage: c.storage });
    await reloaded.herald.inbox.ready();
    await reloaded.waitForState('live');
    const last = await notify(h, ['user:dora'], 'order:created', 'Last');
    await announcedOnce(reloaded, last);
    expect(ids(reloaded.announced)).toEqual([last]);
  });

  it('announces, once each, notifications missed during a network outage, whichever inbox channel they came on', { timeout: 30_000 }, async () => {
    const { h, proxy } = await startStack();
    const token = await tokenFor(h, { sub: 'fay', roles: ['staff'] });
    const c = startClient(proxy, { getToken: () => token, ...FAST });
    await c.herald.inbox.ready();
    await c.waitForState('live');

    proxy.refuseAll(true);
    await c.waitForState('offline', 5000);
    // Created in this order while the app is running but its network is down.
    const missed = [
      await notify(h, ['broadcast'], 'system:alert', 'Maintenance'),
      await notify(h, ['role:staff'], 'shift:changed', 'Shift moved'),
      await notify(h, ['user:fay'], 'order:created', 'Order 1'),
    ];
    proxy.refuseAll(false);
    await c.waitForState('live', 5000);
    const s = await waitForSnapshot(c, (x) => x.items.length === 3, 'the three missed notifications in the snapshot');
    expect(ids(s.items)).toEqual([...missed].reverse());
    await waitUntil(() => c.announced.length >= 3, 5000, `three announcements (got ${JSON.stringify(ids(c.announced))}, missed ${JSON.stringify(missed)})`);
    await sleep(300);
    expect(ids(c.announced).sort()).toEqual([...missed].sort());
  });

  it('keeps a notification that arrives live while the first page is on its way, with the right unread count, and announces it once (it is newer than that page)', { timeout: 20_000 }, async () => {
    const { h, proxy } = await startStack();
    const token = await tokenFor(h, { sub: 'gil' });
    const older = await notify(h, ['user:gil'], 'order:created', 'Order 1');
    // The server answers the first page at once; the client gets it 1.5 s later.
    proxy.delayAnswers('/v1/inbox', 1500);
    const c = startClient(proxy, { getToken: () => token, ...FAST });
    await c.waitForState('live');
    await waitUntil(() => (proxy.stats.answers['200 /v1/inbox'] ?? 0) >= 1, 5000, 'the server to answer the first page');
    await sleep(100);
    const during = await notify(h, ['user:gil'], 'order:created', 'Order 2');
    await c.herald.inbox.ready();
    proxy.delayAnswers('/v1/inbox', 0);
    const s = await waitForSnapshot(c, (x) => x.items.length === 2 && x.unread === 2, 'both notifications, 2 unread');
    expect(ids(s.items)).toEqual([during, older]);
    expect((await serverInbox(h, token)).count).toBe(2);
    const after = await notify(h, ['user:gil'], 'order:created', 'Order 3');
    await announcedOnce(c, after);
    // Created after the page the first load answered: not part of the initial state, so new.
    expect(ids(c.announced)).toEqual([during, after]);
    expect(ids(c.announced)).not.toContain(older);
  });

  it('never announces a muted type, which still shows in the inbox on every device and is not counted unread', { timeout: 30_000 }, async () => {
    const stack = await startStack();
    const { h, proxy } = stack;
    const token = await tokenFor(h, { sub: 'eve' });
    const a = startClient(proxy, { getToken: () => token, ...FAST });
    const b = startClient(await extraProxy(stack), { getToken: () => token, ...FAST });
    await Promise.all([a.herald.inbox.ready(), b.herald.inbox.ready()]);
    await Promise.all([a.waitForState('live'), b.waitForState('live')]);

    await a.herald.inbox.setMutedTypes(['promo']);
    expect(a.herald.inbox.getSnapshot().mutedTypes).toEqual(['promo']);
    await waitForSnapshot(b, (s) => s.mutedTypes.includes('promo'), 'the other device to learn the muted type');

    const promo = await notify(h, ['user:eve'], 'promo', 'Two for one');
    const order = await notify(h, ['user:eve'], 'order:created', 'Order 1');
    await announcedOnce(a, order);
    await announcedOnce(b, order);
    expect(ids(a.announced)).toEqual([order]);
    expect(ids(b.announced)).toEqual([order]);

    for (const c of [a, b]) {
      const s = await waitForSnapshot(c, (x) => x.items.length === 2, 'both notifications in the snapshot');
      expect(ids(s.items)).toEqual([order, promo]);
      expect(s.unread).toBe(1);
    }
    expect((await serverInbox(h, token)).count).toBe(1);

    // Unmuted again: new ones of that type are announced.
    await b.herald.inbox.setMutedTypes([]);
    await waitForSnapshot(a, (s) => s.mutedTypes.length === 0, 'the other device to learn the type is unmuted');
    const promo2 = await notify(h, ['user:eve'], 'promo', 'Three for two');
    await announcedOnce(a, promo2);
    expect(ids(a.announced)).toEqual([order, promo2]);
  });
});
