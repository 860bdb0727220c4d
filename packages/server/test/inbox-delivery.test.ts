/**
 * `notification:new` delivery (SPEC §2 Entitlement, §4): each notification is pushed, on its own
 * channel, to exactly the entitled sockets — the user's own, the role's holders, everyone for
 * `broadcast`, and holders of a channel claim once they subscribe — and nobody else. The pushed
 * notification is the inbox item. A muted type is still pushed and listed, marked `muted`.
 */
import { describe, expect, it } from 'vitest';
import type { Notification } from '@herald/protocol';
import { request, signToken, startHerald, type Client } from './helpers.js';
import { barrier, inbox, newIds, notify, socketOf, unreadCount, user, type NotificationRef } from './inbox-helpers.js';

describe('notification:new reaches exactly the entitled sockets', () => {
  it('user, role, broadcast and claimed channels', async () => {
    const h = await startHerald();
    const alice = await user(h, 'alice', { roles: ['admin'] });
    const ben = await user(h, 'ben', { roles: ['admin', 'staff'] });
    const sam = await user(h, 'sam', { roles: ['staff'] });
    const gus = await user(h, 'gus');
    const cat = await user(h, 'cat', { channels: ['team:red'] });
    const cid = await user(h, 'cid', { channels: ['team:red'] });
    const wil = await user(h, 'wil', { channels: ['team:*'] });
    const s = {
      alice1: await socketOf(h, alice),
      alice2: await socketOf(h, alice),
      ben: await socketOf(h, ben),
      sam: await socketOf(h, sam),
      gus: await socketOf(h, gus),
      cat: await socketOf(h, cat),
      cid: await socketOf(h, cid),
      wil: await socketOf(h, wil),
    };
    const all = Object.values(s);
    expect(await s.cat.subscribe('team:red')).toMatchObject({ ok: true, channel: 'team:red' });
    expect(await s.wil.subscribe('team:red')).toMatchObject({ ok: true, channel: 'team:red' });

    const one = async (to: string[], type = 'test:note'): Promise<NotificationRef[]> => notify(h, { to, type, title: `to ${to.join(' + ')}` });
    const [toAlice] = await one(['user:alice']);
    const [toAdmins] = await one(['role:admin']);
    const [toAll] = await one(['broadcast']);
    const [toTeam] = await one(['team:red']);
    const [toStaff] = await one(['role:staff']);
    await one(['user:nobody', 'role:nobody', 'team:blue']);
    const [toBen, toTeam2] = await one(['user:ben', 'team:red']);
    await barrier(h, all);

    const expected: Record<keyof typeof s, NotificationRef[]> = {
      alice1: [toAlice!, toAdmins!, toAll!],
      alice2: [toAlice!, toAdmins!, toAll!],
      ben: [toAdmins!, toAll!, toStaff!, toBen!],
      sam: [toAll!, toStaff!],
      gus: [toAll!],
      cat: [toAll!, toTeam!, toTeam2!],
      cid: [toAll!],
      wil: [toAll!, toTeam!, toTeam2!],
    };
    for (const [name, c] of Object.entries(s) as [keyof typeof s, Client][]) {
      expect(newIds(c), name).toEqual(expected[name].map((r) => r.id));
      // Each on its own channel, with the seq the create answered.
      const got = c.received.filter((m) => m.event === 'notification:new').map((m) => ({ id: (m.data as Notification).id, channel: m.channel, seq: m.seq }));
      expect(got, name).toEqual(expected[name].map((r) => ({ id: r.id, channel: r.channel, seq: r.seq })));
    }

    // The pushed notification is the item of the recipient's inbox, in the contract's shape.
    const benPage = await inbox(h, ben);
    const fields = ['id', 'channel', 'type', 'title', 'body', 'data', 'actionUrl', 'priority', 'createdAt', 'expiresAt', 'readAt', 'seenAt', 'archivedAt', 'muted'];
    for (const n of benPage.items) {
      for (const k of Object.keys(n)) expect(fields, `field ${k}`).toContain(k);
      expect(n).toMatchObject({ priority: 'normal', type: 'test:note', createdAt: expect.stringMatching(/Z$/) });
    }
    for (const m of s.ben.received.filter((x) => x.event === 'notification:new')) {
      expect(m.data).toEqual(benPage.items.find((n) => n.id === (m.data as Notification).id));
    }

    // Inboxes: exact claims are in the inbox (subscribed or not); a wildcard grant is not an inbox.
    const ids = async (u: typeof alice) => (await inbox(h, u)).items.map((n) => n.id);
    expect(await ids(alice)).toEqual([toAll!.id, toAdmins!.id, toAlice!.id]);
    expect(await ids(cat)).toEqual([toTeam2!.id, toTeam!.id, toAll!.id]);
    expect(await ids(cid)).toEqual([toTeam2!.id, toTeam!.id, toAll!.id]);
    expect(await ids(wil)).toEqual([toAll!.id]);
    expect(await ids(gus)).toEqual([toAll!.id]);
    expect(await unreadCount(h, cid)).toBe(3);

    // After unsubscribing, a claim holder stops receiving, but the inbox still fills.
    expect(await s.cat.ack('unsubscribe', { channel: 'team:red' })).toEqual({ ok: true });
    const [later] = await one(['team:red']);
    await barrier(h, all);
    expect(newIds(s.cat)).not.toContain(later!.id);
    expect(newIds(s.wil)).toContain(later!.id);
    expect((await ids(cat))[0]).toBe(later!.id);
  });

  it('a token swapped on a live socket changes what it receives and whose inbox it acts on', async () => {
    const h = await startHerald();
    const gus = await user(h, 'gus');
    const s = await socketOf(h, gus);
    const [before] = await notify(h, { to: ['role:admin'], type: 'alert', title: 'before' });
    const promoted = await signToken(h, { sub: 'gus', roles: ['admin'] });
    expect(await s.ack('auth', { token: promoted })).toEqual({ ok: true });
    const [after] = await notify(h, { to: ['role:admin'], type: 'alert', title: 'after' });
    await barrier(h, [s]);
    expect(newIds(s)).toEqual([after!.id]);
    // With the role, the earlier admin notification is in gus's inbox and can be read through the socket.
    expect(await s.ack('inbox:read', { ids: [before!.id] })).toEqual({ ok: true, updated: 1, unread: 1 });
    // Demoted again: the role's notifications are out of reach.
    expect(await s.ack('auth', { token: gus.token })).toEqual({ ok: true });
    expect(await s.ack('inbox:read', { ids: [after!.id] })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await unreadCount(h, gus)).toBe(0);
    const [demoted] = await notify(h, { to: ['role:admin'], type: 'alert', title: 'after demotion' });
    await barrier(h, [s]);
    expect(newIds(s)).toEqual([after!.id]);
    expect(newIds(s)).not.toContain(demoted!.id);
  });

  it('a muted type is still pushed and listed, marked muted, and does not count as unread', async () => {
    const h = await startHerald();
    const alice = await user(h, 'alice');
    const ben = await user(h, 'ben');
    const [a, b] = [await socketOf(h, alice), await socketOf(h, ben)];
    const put = await request(h, 'PUT', '/v1/preferences', { mutedTypes: ['promo'] }, { auth: alice.token });
    expect(put.body).toEqual({ mutedTypes: ['promo'] });

    const [promo] = await notify(h, { to: ['user:alice'], type: 'promo', title: '20% off' });
    const [promoAll] = await notify(h, { to: ['broadcast'], type: 'promo', title: 'Sale' });
    const [order] = await notify(h, { to: ['user:alice'], type: 'order:created', title: 'Order' });
    await barrier(h, [a, b]);
    expect(newIds(a)).toEqual([promo!.id, promoAll!.id, order!.id]);
    expect(newIds(b)).toEqual([promoAll!.id]);

    const page = await inbox(h, alice);
    expect(page.items.map((n) => [n.id, n.type, n.muted])).toEqual([
      [order!.id, 'order:created', undefined],
      [promoAll!.id, 'promo', true],
      [promo!.id, 'promo', true],
    ]);
    expect(page.unread).toBe(1);
    expect(await unreadCount(h, alice)).toBe(1);
    // Muted items are still unread items: the unread filter lists them.
    expect((await inbox(h, alice, { status: 'unread' })).items).toHaveLength(3);
    // Ben muted nothing: the same broadcast is plain and counts for him.
    const benPage = await inbox(h, ben);
    expect(benPage.items.map((n) => [n.id, n.muted])).toEqual([[promoAll!.id, undefined]]);
    expect(benPage.unread).toBe(1);
  });
});
