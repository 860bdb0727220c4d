/**
 * Unread counts stay exact (SPEC §2, §4): unread = visible items (not deleted, not expired) with
 * no `readAt` whose type the user has not muted, over personal and shared notifications (roles,
 * broadcast, exact channel claims), a notification addressed to several of a user's channels
 * being one item (SPEC §2, issue 12). The test keeps its own model of each user's inbox and
 * compares it, after every step, with `/v1/inbox/unread-count`, the `unread` of `GET /v1/inbox`,
 * the inbox contents, every ack and every pushed `notification:*` message.
 */
import { describe, expect, it } from 'vitest';
import { request, sleep, startHerald, type Client } from './helpers.js';
import {
  act,
  actOk,
  barrier,
  expectError,
  inboxAll,
  inboxTraffic,
  notify,
  socketOf,
  unreadCount,
  user,
  type User,
} from './inbox-helpers.js';

interface ModelItem {
  id: string;
  /** Its `to`, in order. */
  channels: string[];
  type: string;
  expiresAt?: number;
}

interface ModelState {
  read: boolean;
  archived: boolean;
  deleted: boolean;
}

/** What a user's inbox must be, computed without the server. */
class InboxModel {
  readonly state = new Map<string, ModelState>();
  muted = new Set<string>();

  constructor(
    readonly u: User,
    private readonly all: Map<string, ModelItem>,
    readonly channels: Set<string>,
  ) {}

  private st(id: string): ModelState {
    let s = this.state.get(id);
    if (!s) this.state.set(id, (s = { read: false, archived: false, deleted: false }));
    return s;
  }

  visible(now: number): ModelItem[] {
    return [...this.all.values()].filter(
      (n) => n.channels.some((c) => this.channels.has(c)) && !this.st(n.id).deleted && (n.expiresAt === undefined || n.expiresAt > now),
    );
  }

  /** The channel an item is shown with: of its `to` that this user reads, the first by name. */
  shownAs(n: ModelItem): string {
    return n.channels.filter((c) => this.channels.has(c)).sort()[0]!;
  }

  unread(now: number): number {
    return this.visible(now).filter((n) => !this.st(n.id).read && !this.muted.has(n.type)).length;
  }

  /** Apply an action the way the contract says; answers how many items it changes. */
  apply(action: 'read' | 'archive' | 'unarchive' | 'delete' | 'seen', ids: string[], now: number): number {
    const visible = new Set(this.visible(now).map((n) => n.id));
    if (ids.some((id) => !visible.has(id))) throw new Error('model: not found');
    let changed = 0;
    for (const id of new Set(ids)) {
      const s = this.st(id);
      if (action === 'read' && !s.read) (s.read = true), changed++;
      if (action === 'archive' && !s.archived) (s.archived = true), changed++;
      if (action === 'unarchive' && s.archived) (s.archived = false), changed++;
      if (action === 'delete') (s.deleted = true), changed++;
      if (action === 'seen') changed++; // every item in this test is seen at most once
    }
    return changed;
  }

  readAll(now: number): number {
    let changed = 0;
    for (const n of this.visible(now)) {
      const s = this.st(n.id);
      if (!s.read) (s.read = true), changed++;
    }
    return changed;
  }
}

describe('unread counts stay exact', () => {
  it('across personal, role, broadcast and claimed-channel items, mutes, expiry, deletes, reads and archives', async () => {
    const h = await startHerald();
    const alice = await user(h, 'alice', { roles: ['admin', 'staff'], channels: ['team:red', 'restaurant:*'] });
    const bob = await user(h, 'bob', { roles: ['staff'] });
    const all = new Map<string, ModelItem>();
    const A = new InboxModel(alice, all, new Set(['user:alice', 'role:admin', 'role:staff', 'broadcast', 'team:red']));
    const B = new InboxModel(bob, all, new Set(['user:bob', 'role:staff', 'broadcast']));
    const [a1, a2, b1] = [await socketOf(h, alice), await socketOf(h, alice), await socketOf(h, bob)];

    const make = async (to: string[], type: string, expiresAt?: number): Promise<string[]> => {
      const refs = await notify(h, { to, type, title: `${type} to ${to.join('+')}`, ...(expiresAt ? { expiresAt: new Date(expiresAt).toISOString() } : {}) });
      expect(refs.map((r) => r.channel)).toEqual(to);
      // One notification, one id, whatever number of channels it is addressed to.
      const id = refs[0]!.id;
      expect(refs.every((r) => r.id === id)).toBe(true);
      all.set(id, { id, channels: to, type, ...(expiresAt ? { expiresAt } : {}) });
      return [id];
    };

    const P = [];
    for (let i = 0; i < 6; i++) P.push(...(await make(['user:alice'], 'order:created')));
    const [M1] = await make(['user:alice'], 'promo');
    await make(['broadcast'], 'promo'); // muted later: in the inbox, not in the count
    const [R1] = [...(await make(['role:admin'], 'alert')), ...(await make(['role:admin'], 'alert'))];
    const [S1] = await make(['role:staff'], 'shift');
    const [B1, B2] = [...(await make(['broadcast'], 'news')), ...(await make(['broadcast'], 'news'))];
    const [T1] = [...(await make(['team:red'], 'chat')), ...(await make(['team:red'], 'chat'))];
    const [W1] = await make(['restaurant:7'], 'chat'); // only a wildcard grant: not in alice's inbox
    await make(['role:ops'], 'alert');
    const [Q1] = await make(['user:bob'], 'order:created');
    // Alice reads all three channels: one item. Both read the second (alice as herself and as
    // staff, bob as staff): one item each, with their own state.
    const [MU] = await make(['user:alice', 'role:admin', 'team:red'], 'order:created');
    const [AS] = await make(['user:alice', 'role:staff'], 'order:created');
    // Long enough for the changes below to run before it on a loaded machine.
    const expiry = Date.now() + 4000;
    const [E1] = await make(['user:alice'], 'order:created', expiry);
    const [E2] = await make(['role:admin'], 'alert', expiry);
    const [E3] = await make(['broadcast'], 'news', expiry);
    const [E4] = await make(['role:staff'], 'shift', expiry);
    await barrier(h, [a1, a2, b1]);

    /** No check or change runs within a window around the expiry, so model and server agree on "now". */
    const settle = async () => {
      const now = Date.now();
      if (now > expiry - 300 && now < expiry + 100) await sleep(expiry + 100 - now);
    };

    /** Every way of reading the count, and the inbox contents, against the model. */
    const check = async (m: InboxModel, what: string) => {
      await settle();
      const now = Date.now();
      const expected = m.unread(now);
      expect(await unreadCount(h, m.u), `${what}: unread-count of ${m.u.sub}`).toBe(expected);
      const { items, pages } = await inboxAll(h, m.u, { status: 'all', archived: 'all' }, 7);
      for (const p of pages) expect(p.unread, `${what}: GET /v1/inbox unread of ${m.u.sub}`).toBe(expected);
      const visible = m.visible(now);
      expect(items.map((n) => n.id).sort(), `${what}: inbox of ${m.u.sub}`).toEqual(visible.map((n) => n.id).sort());
      for (const n of items) {
        expect(n.channel, `${what}: channel of ${n.id}`).toBe(m.shownAs(all.get(n.id)!));
        const s = m.state.get(n.id);
        expect(n.readAt !== undefined, `${what}: readAt of ${n.id}`).toBe(s?.read ?? false);
        expect(n.archivedAt !== undefined, `${what}: archivedAt of ${n.id}`).toBe(s?.archived ?? false);
        expect(n.muted === true, `${what}: muted of ${n.id}`).toBe(m.muted.has(n.type));
        if (n.muted !== undefined) expect(n.muted).toBe(true);
      }
      const unreadList = await inboxAll(h, m.u, { status: 'unread', archived: 'all' }, 100);
      expect(unreadList.items.filter((n) => !n.muted).length, `${what}: unmuted unread items of ${m.u.sub}`).toBe(expected);
      return expected;
    };

    /** One change through HTTP or a socket; the answer and the message on the other device match the model. */
    let traffic = 0;
    const change = async (m: InboxModel, via: 'http' | Client, action: 'read' | 'archive' | 'unarchive' | 'delete' | 'seen', ids: string[]) => {
      await settle();
      const updated = m.apply(action, ids, Date.now());
      const expected = m.unread(Date.now());
      const answer = via === 'http' ? await actOk(h, m.u, action, { ids }) : await via.ack(`inbox:${action}`, { ids });
      expect(answer, `${action} ${ids.join(',')}`).toEqual({ ...(via === 'http' ? {} : { ok: true }), updated, unread: expected });
      if (m === A && updated > 0) {
        traffic++;
        await a2.waitFor(() => inboxTraffic(a2, 'alice').length >= traffic, 5000, `${action} message`);
        const msg = inboxTraffic(a2, 'alice')[traffic - 1]!;
        expect((msg.data as { unread: number }).unread, `${action} message unread`).toBe(expected);
      }
      await check(m, `after ${action}`);
    };

    expect(await check(A, 'start')).toBe(6 + 1 + 1 + 2 + 1 + 2 + 2 + 1 + 1 + 4);
    expect(await check(B, 'start')).toBe(1 + 1 + 2 + 1 + 1 + 2);
    expect(A.visible(Date.now()).map((n) => n.id)).not.toContain(W1);
    expect(A.visible(Date.now()).map((n) => n.id)).not.toContain(Q1);

    await change(A, 'http', 'read', [P[0]!]);
    await change(A, a1, 'read', [R1!]);
    await change(A, a1, 'delete', [P[1]!]);
    await change(A, 'http', 'read', [P[2]!]);
    await change(A, a1, 'delete', [P[2]!]);
    await change(A, 'http', 'archive', [P[3]!]);
    await change(A, a1, 'archive', [T1!]);
    await change(A, 'http', 'read', [T1!, MU!]);
    await change(A, a1, 'seen', [B1!, S1!]);
    await change(A, 'http', 'read', [E3!, E2!]);
    await change(A, a1, 'read', [P[4]!, P[4]!, AS!]);
    // Bob's state for the shared items is his own.
    await change(B, b1, 'read', [S1!]);
    await change(B, 'http', 'delete', [B1!, E4!]);
    await change(B, b1, 'archive', [B2!]);
    await change(B, 'http', 'delete', [AS!]);
    await check(A, 'after bob');

    // Muting a type removes its unread items from the count; they stay in the inbox, marked muted.
    await settle();
    const put = await request(h, 'PUT', '/v1/preferences', { mutedTypes: ['promo', 'alert'] }, { auth: alice.token });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ mutedTypes: ['alert', 'promo'] });
    A.muted = new Set(['promo', 'alert']);
    traffic++;
    await a2.waitFor(() => inboxTraffic(a2, 'alice').length >= traffic, 5000, 'preferences message');
    expect(inboxTraffic(a2, 'alice')[traffic - 1]!.data).toEqual({ ids: [], mutedTypes: ['alert', 'promo'], unread: A.unread(Date.now()) });
    await check(A, 'after mute');
    await check(B, 'bob after alice muted');
    // Reading a muted item changes its state but not the count.
    await change(A, 'http', 'read', [M1!]);
    await change(A, a1, 'unarchive', [P[3]!]);

    // Expiry: without any request, expired items leave the inbox and the count. The count just
    // before expiry comes from the model at that instant (on a loaded machine the steps above can
    // outlast the expiry window, so "now" may already be past it).
    const beforeExpiry = A.unread(expiry - 1);
    await sleep(Math.max(0, expiry - Date.now() + 150));
    const afterExpiry = await check(A, 'after expiry');
    expect(afterExpiry).toBe(beforeExpiry - 2); // E1 and E4 were unread; E2 (muted, read) and E3 (read) did not count
    expect(await check(B, 'bob after expiry')).toBe(B.unread(expiry - 1) - 1); // E3 was unread for bob; E4 deleted
    for (const id of [E1!, E2!, E3!, E4!]) {
      expectError(await act(h, alice, 'read', { ids: [id] }), 404, 'NOT_FOUND', `read expired ${id}`);
      expectError(await act(h, alice, 'delete', { ids: [P[5]!, id] }), 404, 'NOT_FOUND', `delete with expired ${id}`);
    }
    await check(A, 'after refused changes on expired items');

    // Unmuting brings the unread muted items back into the count.
    const unmute = await request(h, 'PUT', '/v1/preferences', { mutedTypes: [] }, { auth: alice.token });
    expect(unmute.body).toEqual({ mutedTypes: [] });
    A.muted = new Set();
    traffic++;
    await a2.waitFor(() => inboxTraffic(a2, 'alice').length >= traffic, 5000, 'unmute message');
    expect(inboxTraffic(a2, 'alice')[traffic - 1]!.data).toEqual({ ids: [], mutedTypes: [], unread: A.unread(Date.now()) });
    await check(A, 'after unmute');

    // read-all marks every visible unread item, muted or not, and leaves nothing unread.
    const readAllUpdated = A.readAll(Date.now());
    expect(readAllUpdated).toBeGreaterThan(0);
    expect(await a1.ack('inbox:read-all', {})).toEqual({ ok: true, updated: readAllUpdated, unread: 0 });
    await check(A, 'after read-all');
    await check(B, 'bob after alice’s read-all');
    expect(B.unread(Date.now())).toBeGreaterThan(0);

    // A new notification counts at once, for every user it reaches.
    await make(['broadcast'], 'news');
    expect(await check(A, 'after a new broadcast')).toBe(1);
    await check(B, 'bob after a new broadcast');
  });
});
