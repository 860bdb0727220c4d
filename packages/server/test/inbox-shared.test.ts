/**
 * Shared notifications (SPEC §2, fan-out on read): a notification to `role:admin` is stored once
 * and appears in every admin's inbox with that admin's own state; a user without the role never
 * sees it, never receives it, cannot act on it, and the refusal says nothing about it.
 */
import { describe, expect, it } from 'vitest';
import { headOf, history, historyPath, request, startHerald } from './helpers.js';
import {
  act,
  actOk,
  barrier,
  expectAckError,
  expectError,
  inbox,
  inboxTraffic,
  newIds,
  notify,
  socketOf,
  unreadCount,
  user,
} from './inbox-helpers.js';

const SECRET = {
  type: 'payroll:salary-review',
  title: 'Confidential: salary review for Zelda Quokka',
  body: 'Raise approved: 4711 gold',
  data: { employee: 'zelda-quokka-7731', amount: 4711 },
  actionUrl: '/admin/payroll/7731',
};

/** Strings of the secret notification that a refusal must never carry. */
const LEAK_MARKERS = ['role:admin', 'admin', 'payroll', 'salary', 'Zelda', 'Quokka', '4711', '7731'];

describe('a notification to role:admin', () => {
  it('each admin has their own read state; a non-admin never sees, receives or touches it', async () => {
    const h = await startHerald();
    const ann = await user(h, 'ann', { roles: ['admin'] });
    const ben = await user(h, 'ben', { roles: ['admin', 'staff'] });
    const carl = await user(h, 'carl', { roles: ['staff'], channels: ['team:*', 'ops'] });
    const [annS, annS2, benS, carlS] = [await socketOf(h, ann), await socketOf(h, ann), await socketOf(h, ben), await socketOf(h, carl)];

    const [ref] = await notify(h, { to: ['role:admin'], ...SECRET });
    expect(ref!.channel).toBe('role:admin');
    const id = ref!.id;
    const forCarl = await notify(h, { to: ['broadcast'], type: 'news', title: 'hello everyone' });
    await barrier(h, [annS, annS2, benS, carlS]);

    // Delivered to every admin socket, never to carl.
    for (const c of [annS, annS2, benS]) expect(newIds(c).filter((x) => x === id)).toHaveLength(1);
    expect(newIds(carlS)).toEqual([forCarl[0]!.id]);
    expect(carlS.on('role:admin')).toEqual([]);
    expect(carlS.received.some((m) => JSON.stringify(m).includes('Zelda'))).toBe(false);

    // Both admins see it unread; carl does not see it at all.
    for (const u of [ann, ben]) {
      const page = await inbox(h, u);
      expect(page.items.map((n) => n.id)).toEqual([forCarl[0]!.id, id]);
      expect(page.items[1]).toMatchObject({ ...SECRET, id, channel: 'role:admin', priority: 'normal' });
      expect(page.items[1]!.readAt).toBeUndefined();
      expect(page.unread).toBe(2);
      expect(await unreadCount(h, u)).toBe(2);
    }
    const carlPage = await inbox(h, carl, { status: 'all', archived: 'all' });
    expect(carlPage.items.map((n) => n.id)).toEqual([forCarl[0]!.id]);
    expect(carlPage.unread).toBe(1);

    // Ann reads it: ann's devices are told, ben's state and channel are untouched.
    const benHead = await headOf(h, 'user:ben');
    const read = await annS.ack('inbox:read', { ids: [id] });
    expect(read).toEqual({ ok: true, updated: 1, unread: 1 });
    await annS2.waitFor((m) => m.event === 'notification:updated', 5000, 'ann’s update');
    await barrier(h, [annS, annS2, benS, carlS]);
    expect(await headOf(h, 'user:ben')).toBe(benHead);
    expect(inboxTraffic(benS, 'ben')).toEqual([]);
    expect((await inbox(h, ann, { status: 'unread' })).items.map((n) => n.id)).not.toContain(id);
    expect((await inbox(h, ann, { status: 'read' })).items.map((n) => n.id)).toEqual([id]);
    expect(await unreadCount(h, ann)).toBe(1);
    const benPage = await inbox(h, ben, { status: 'unread' });
    expect(benPage.items.map((n) => n.id)).toEqual([forCarl[0]!.id, id]);
    expect(benPage.items[1]!.readAt).toBeUndefined();
    expect(benPage.unread).toBe(2);
    expect(await unreadCount(h, ben)).toBe(2);

    // Ben archives then deletes it for himself: ann still has it, read.
    expect(await actOk(h, ben, 'archive', { ids: [id] })).toEqual({ updated: 1, unread: 2 });
    expect(await actOk(h, ben, 'delete', { ids: [id] })).toEqual({ updated: 1, unread: 1 });
    expect((await inbox(h, ben, { archived: 'all' })).items.map((n) => n.id)).toEqual([forCarl[0]!.id]);
    const annItem = (await inbox(h, ann)).items.find((n) => n.id === id)!;
    expect(annItem.readAt).toEqual(expect.any(String));
    expect(annItem.archivedAt).toBeUndefined();
    // Deleted for ben means not found for ben, even though it still exists for ann.
    expectError(await act(h, ben, 'read', { ids: [id] }), 404, 'NOT_FOUND', 'ben after delete');

    // Carl cannot act on it, by HTTP or socket, alone or among his own ids; nothing changes.
    const carlHead = await headOf(h, 'user:carl');
    const carlOwn = forCarl[0]!.id;
    for (const action of ['read', 'seen', 'archive', 'unarchive', 'delete'] as const) {
      for (const ids of [[id], [carlOwn, id], [id, carlOwn]]) {
        const res = await act(h, carl, action, { ids });
        expectError(res, 404, 'NOT_FOUND', `${action} ${ids}`);
        for (const marker of LEAK_MARKERS) expect(res.text, `${action} answer leaks ${marker}`).not.toContain(marker);
        const ack = await carlS.ack(`inbox:${action}`, { ids });
        expectAckError(ack, 'NOT_FOUND', `${action} ack`);
        for (const marker of LEAK_MARKERS) expect(JSON.stringify(ack), `${action} ack leaks ${marker}`).not.toContain(marker);
      }
    }
    // The refusal for a foreign id is the refusal for an id that never existed.
    const unknown = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
    const foreignAnswer = await act(h, carl, 'read', { ids: [id] });
    const unknownAnswer = await act(h, carl, 'read', { ids: [unknown] });
    expect(JSON.parse(foreignAnswer.text.replaceAll(id, 'ID'))).toEqual(JSON.parse(unknownAnswer.text.replaceAll(unknown, 'ID')));

    expect(await headOf(h, 'user:carl')).toBe(carlHead);
    expect((await inbox(h, carl, { archived: 'all' })).items.map((n) => ({ id: n.id, readAt: n.readAt }))).toEqual([
      { id: carlOwn, readAt: undefined },
    ]);
    expect(await unreadCount(h, carl)).toBe(1);
    expect(await unreadCount(h, ann)).toBe(1);
    expect(await unreadCount(h, ben)).toBe(1);

    // Nor can carl reach it through the channel itself.
    expectAckError(await carlS.subscribe('role:admin'), 'CHANNEL_FORBIDDEN');
    expectAckError(await carlS.subscribe('role:admin', 0), 'CHANNEL_FORBIDDEN');
    const hist = await request(h, 'GET', historyPath('role:admin', 'since=0'), undefined, { auth: carl.token });
    expectError(hist, 403, 'CHANNEL_FORBIDDEN', 'history');
    for (const marker of ['payroll', 'salary', 'Zelda', '4711']) expect(hist.text).not.toContain(marker);
    const polled = await request(h, 'GET', '/v1/sync?cursors=role:admin:0&wait=0', undefined, { auth: carl.token });
    expectError(polled, 403, 'CHANNEL_FORBIDDEN', 'sync');
    for (const marker of ['payroll', 'salary', 'Zelda', '4711']) expect(polled.text).not.toContain(marker);
    // (The back end still sees exactly one stored message on the channel: stored once, not per admin.)
    const stored = await history(h, 'role:admin');
    expect(stored.messages.map((m) => [m.event, (m.data as { id: string }).id])).toEqual([['notification:new', id]]);

    // Ann's read-all leaves ben's shared copy unread.
    const late = await notify(h, { to: ['role:admin'], type: 'alert', title: 'disk full' });
    expect(await actOk(h, ann, 'read-all', {})).toEqual({ updated: 2, unread: 0 });
    expect((await inbox(h, ben, { status: 'unread' })).items.map((n) => n.id)).toEqual([late[0]!.id, forCarl[0]!.id]);
    expect(await unreadCount(h, ben)).toBe(2);
    expect(await unreadCount(h, carl)).toBe(1);
  });

  it('a notification to a user is personal: nobody else sees it or can act on it', async () => {
    const h = await startHerald();
    const alice = await user(h, 'alice', { roles: ['admin'] });
    const eve = await user(h, 'eve', { roles: ['admin'], channels: ['user:*', 'user:alice'] });
    const [id] = (await notify(h, { to: ['user:alice'], type: 'dm', title: 'For Alice only: door code 9911' })).map((r) => r.id);
    expect((await inbox(h, eve, { archived: 'all' })).items).toEqual([]);
    expect(await unreadCount(h, eve)).toBe(0);
    const res = await act(h, eve, 'delete', { ids: [id!] });
    expectError(res, 404, 'NOT_FOUND');
    expect(res.text).not.toContain('9911');
    expect(res.text).not.toContain('user:alice');
    expect((await inbox(h, alice)).items.map((n) => n.id)).toEqual([id]);
    expect(await unreadCount(h, alice)).toBe(1);
  });
});
