/**
 * Inbox state across a user's devices (SPEC §1 scenario 4, §4): every real change made on one
 * device — through its socket or through HTTP — reaches every socket of that user on `user:{sub}`
 * with the same unread count the acting device was answered; no-ops and failures send nothing;
 * other users hear nothing.
 */
import { describe, expect, it } from 'vitest';
import { headOf, request, sleep, startHerald, type Client } from './helpers.js';
import {
  act,
  actOk,
  barrier,
  expectAckError,
  inbox,
  inboxTraffic,
  notifyOne,
  socketOf,
  unreadCount,
  user,
  type DeletedMessage,
  type UpdatedMessage,
} from './inbox-helpers.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Wait for the `n`-th (1-based) inbox-traffic message of `sub` on a client. */
async function nthTraffic(c: Client, sub: string, n: number) {
  await c.waitFor(() => inboxTraffic(c, sub).length >= n, 5000, `inbox traffic #${n} for ${sub}`);
  return inboxTraffic(c, sub)[n - 1]!;
}

describe('two sockets of one user stay in sync', () => {
  it('inbox:read on one socket reaches the other as notification:updated with the ack’s unread count', async () => {
    const h = await startHerald();
    const alice = await user(h, 'alice');
    const bob = await user(h, 'bob');
    const [a1, a2, b1] = [await socketOf(h, alice), await socketOf(h, alice), await socketOf(h, bob)];
    const ids = [await notifyOne(h, 'user:alice'), await notifyOne(h, 'user:alice'), await notifyOne(h, 'user:alice')];
    await notifyOne(h, 'user:bob');
    await barrier(h, [a1, a2, b1]);
    const aliceHead = await headOf(h, 'user:alice');

    const ack = await a1.ack('inbox:read', { ids: [ids[0]] });
    expect(ack).toEqual({ ok: true, updated: 1, unread: 2 });

    const m = (await nthTraffic(a2, 'alice', 1)) as UpdatedMessage;
    expect(m.event).toBe('notification:updated');
    expect(m.seq).toBe(aliceHead + 1);
    expect(m.data).toEqual({ ids: [ids[0]], readAt: expect.stringMatching(ISO), unread: ack.unread });
    // The acting socket is told too (it is a device of the same user), with the same message.
    expect((await nthTraffic(a1, 'alice', 1)).id).toBe(m.id);

    // The pushed state is the stored state.
    const page = await inbox(h, alice);
    expect(page.unread).toBe(2);
    expect(await unreadCount(h, alice)).toBe(2);
    expect(page.items.find((n) => n.id === ids[0])!.readAt).toBe(m.data.readAt);
    expect(page.items.filter((n) => n.id !== ids[0]).every((n) => n.readAt === undefined)).toBe(true);

    // Bob heard nothing about alice, and his inbox is untouched.
    await barrier(h, [a1, a2, b1]);
    expect(b1.on('user:alice')).toEqual([]);
    expect(inboxTraffic(b1, 'bob')).toEqual([]);
    expect(await unreadCount(h, bob)).toBe(1);
  });

  it('seen, archive, unarchive and delete each reach the other socket with their field and the ack’s unread', async () => {
    const h = await startHerald();
    const alice = await user(h, 'alice');
    const [a1, a2] = [await socketOf(h, alice), await socketOf(h, alice)];
    const [x, y, z] = [await notifyOne(h, 'user:alice'), await notifyOne(h, 'user:alice'), await notifyOne(h, 'user:alice')];
    await barrier(h, [a1, a2]);

    const seen = await a1.ack('inbox:seen', { ids: [x, y] });
    expect(seen).toEqual({ ok: true, updated: 2, unread: 3 });
    const m1 = (await nthTraffic(a2, 'alice', 1)) as UpdatedMessage;
    expect(m1.event).toBe('notification:updated');
    expect(m1.data).toEqual({ ids: [x, y], seenAt: expect.stringMatching(ISO), unread: 3 });

    const archived = await a2.ack('inbox:archive', { ids: [y] });
    expect(archived).toEqual({ ok: true, updated: 1, unread: 3 });
    const m2 = (await nthTraffic(a1, 'alice', 2)) as UpdatedMessage;
    expect(m2.data).toEqual({ ids: [y], archivedAt: expect.stringMatching(ISO), unread: 3 });
    const archivedPage = await inbox(h, alice, { archived: 'true' });
    expect(archivedPage.items.map((n) => n.id)).toEqual([y]);
    expect(archivedPage.items[0]!.archivedAt).toBe(m2.data.archivedAt);
    expect(archivedPage.items[0]!.seenAt).toBe(m1.data.seenAt);

    const unarchived = await a1.ack('inbox:unarchive', { ids: [y] });
    expect(unarchived).toEqual({ ok: true, updated: 1, unread: 3 });
    const m3 = (await nthTraffic(a2, 'alice', 3)) as UpdatedMessage;
    expect(m3.data).toEqual({ ids: [y], archivedAt: null, unread: 3 });
    expect((await inbox(h, alice, { archived: 'true' })).items).toEqual([]);

    const deleted = await a2.ack('inbox:delete', { ids: [z] });
    expect(deleted).toEqual({ ok: true, updated: 1, unread: 2 });
    const m4 = (await nthTraffic(a1, 'alice', 4)) as DeletedMessage;
    expect(m4.event).toBe('notification:deleted');
    expect(m4.data).toEqual({ ids: [z], unread: 2 });
    expect(await unreadCount(h, alice)).toBe(2);
    expect((await inbox(h, alice, { archived: 'all' })).items.map((n) => n.id)).toEqual([y, x]);

    // Both sockets saw the same four messages, in order, with consecutive seqs.
    await barrier(h, [a1, a2]);
    for (const c of [a1, a2]) {
      const traffic = inboxTraffic(c, 'alice');
      expect(traffic.map((m) => m.id)).toEqual([m1.id, m2.id, m3.id, m4.id]);
      expect(traffic.map((m) => m.seq)).toEqual([m1.seq, m1.seq + 1, m1.seq + 2, m1.seq + 3]);
    }
  });

  it('inbox:read-all reaches the other socket as notification:updated { ids: [], all, before, readAt, unread }', async () => {
    const h = await startHerald();
    const alice = await user(h, 'alice', { roles: ['admin'] });
    const [a1, a2] = [await socketOf(h, alice), await socketOf(h, alice)];
    await notifyOne(h, 'user:alice');
    await notifyOne(h, 'role:admin');
    await notifyOne(h, 'broadcast');
    await sleep(15);
    const cut = new Date().toISOString();
    await sleep(15);
    const late = await notifyOne(h, 'user:alice');
    await barrier(h, [a1, a2]);
    expect(await unreadCount(h, alice)).toBe(4);

    const partial = await a1.ack('inbox:read-all', { before: cut });
    expect(partial).toEqual({ ok: true, updated: 3, unread: 1 });
    const m1 = (await nthTraffic(a2, 'alice', 1)) as UpdatedMessage;
    expect(m1.event).toBe('notification:updated');
    expect(m1.data).toEqual({ ids: [], all: true, before: cut, readAt: expect.stringMatching(ISO), unread: 1 });
    const unread = await inbox(h, alice, { status: 'unread' });
    expect(unread.items.map((n) => n.id)).toEqual([late]);

    const rest = await a2.ack('inbox:read-all');
    expect(rest).toEqual({ ok: true, updated: 1, unread: 0 });
    const m2 = (await nthTraffic(a1, 'alice', 2)) as UpdatedMessage;
    expect(m2.data).toEqual({ ids: [], all: true, before: expect.stringMatching(ISO), readAt: expect.stringMatching(ISO), unread: 0 });
    expect(Date.parse(m2.data.before!)).toBeGreaterThanOrEqual(Date.parse(m1.data.readAt!));
    expect(await unreadCount(h, alice)).toBe(0);
    expect((await inbox(h, alice)).items.every((n) => typeof n.readAt === 'string')).toBe(true);

    // Nothing left to read: answered, but no message.
    const head = await headOf(h, 'user:alice');
    expect(await a1.ack('inbox:read-all', {})).toEqual({ ok: true, updated: 0, unread: 0 });
    await barrier(h, [a1, a2]);
    expect(await headOf(h, 'user:alice')).toBe(head);
    expect(inboxTraffic(a2, 'alice')).toHaveLength(2);
  });

  it('a REST change reaches every socket of the user, with the HTTP answer’s unread count', async () => {
    const h = await startHerald();
    const alice = await user(h, 'alice', { roles: ['admin'] });
    const [a1, a2] = [await socketOf(h, alice), await socketOf(h, alice)];
    const mine = await notifyOne(h, 'user:alice');
    const shared = await notifyOne(h, 'role:admin');
    const other = await notifyOne(h, 'broadcast');
    await barrier(h, [a1, a2]);

    const read = await actOk(h, alice, 'read', { ids: [mine, shared] });
    expect(read).toEqual({ updated: 2, unread: 1 });
    for (const c of [a1, a2]) {
      const m = (await nthTraffic(c, 'alice', 1)) as UpdatedMessage;
      expect(m.event).toBe('notification:updated');
      expect(m.data).toEqual({ ids: [mine, shared], readAt: expect.stringMatching(ISO), unread: 1 });
    }

    const del = await actOk(h, alice, 'delete', { ids: [other] });
    expect(del).toEqual({ updated: 1, unread: 0 });
    for (const c of [a1, a2]) {
      const m = (await nthTraffic(c, 'alice', 2)) as DeletedMessage;
      expect(m.event).toBe('notification:deleted');
      expect(m.data).toEqual({ ids: [other], unread: 0 });
    }

    // Nothing left to change: answered over HTTP, nothing pushed.
    expect(await actOk(h, alice, 'read-all', {})).toEqual({ updated: 0, unread: 0 });
    const again = await act(h, alice, 'read', { ids: [mine] });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ updated: 0, unread: 0 });
    await barrier(h, [a1, a2]);
    expect(inboxTraffic(a1, 'alice')).toHaveLength(2);
    expect(inboxTraffic(a2, 'alice')).toHaveLength(2);
  });

  it('changes that change nothing, and refused changes, send nothing to any device', async () => {
    const h = await startHerald();
    const alice = await user(h, 'alice');
    const [a1, a2] = [await socketOf(h, alice), await socketOf(h, alice)];
    const n = await notifyOne(h, 'user:alice');
    const bobs = await notifyOne(h, 'user:bob');
    await barrier(h, [a1, a2]);
    expect(await a1.ack('inbox:read', { ids: [n] })).toEqual({ ok: true, updated: 1, unread: 0 });
    await nthTraffic(a2, 'alice', 1);
    const head = await headOf(h, 'user:alice');

    expect(await a1.ack('inbox:read', { ids: [n, n] })).toEqual({ ok: true, updated: 0, unread: 0 });
    expect(await a2.ack('inbox:unarchive', { ids: [n] })).toEqual({ ok: true, updated: 0, unread: 0 });
    expect(await actOk(h, alice, 'read', { ids: [n] })).toEqual({ updated: 0, unread: 0 });
    await notifyOne(h, 'user:alice');
    expect(await a2.ack('inbox:read-all', { before: '2001-01-01T00:00:00Z' })).toEqual({ ok: true, updated: 0, unread: 1 });
    expect(await actOk(h, alice, 'read-all', { before: '2001-01-01T00:00:00.000+02:00' })).toEqual({ updated: 0, unread: 1 });
    expectAckError(await a1.ack('inbox:delete', { ids: [n, bobs] }), 'NOT_FOUND');
    expectAckError(await a1.ack('inbox:read', { ids: 'nope' }), 'VALIDATION_FAILED');

    await barrier(h, [a1, a2]);
    expect(await headOf(h, 'user:alice')).toBe(head + 1); // only the new notification's notification:new
    expect(inboxTraffic(a1, 'alice')).toHaveLength(1);
    expect(inboxTraffic(a2, 'alice')).toHaveLength(1);
    // The refused delete left n in place.
    expect((await inbox(h, alice)).items.map((i) => i.id)[1]).toEqual(n);
  });

  it('the same change raced from three devices is made once and announced once', async () => {
    const h = await startHerald();
    const alice = await user(h, 'alice');
    const [a1, a2, a3] = [await socketOf(h, alice), await socketOf(h, alice), await socketOf(h, alice)];
    const ids = [await notifyOne(h, 'user:alice'), await notifyOne(h, 'user:alice'), await notifyOne(h, 'user:alice')];
    await barrier(h, [a1, a2, a3]);
    for (const action of ['read', 'archive', 'delete'] as const) {
      const answers = await Promise.all([
        a1.ack(`inbox:${action}`, { ids: [ids[0]] }),
        a2.ack(`inbox:${action}`, { ids: [ids[0]] }),
        act(h, alice, action, { ids: [ids[0]] }).then((r) => (r.status === 200 ? { ok: true, ...r.body } : { ok: false, error: r.body.error })),
      ]);
      if (action === 'delete') {
        // The first delete wins; afterwards the item is not in the inbox any more.
        expect(answers.filter((a) => a.ok && a.updated === 1)).toHaveLength(1);
        expect(answers.filter((a) => !a.ok && a.error.code === 'NOT_FOUND')).toHaveLength(2);
      } else {
        expect(answers.map((a) => a.updated).sort()).toEqual([0, 0, 1]);
        for (const a of answers) expect(a).toMatchObject({ ok: true, unread: 2 });
      }
    }
    await barrier(h, [a1, a2, a3]);
    for (const c of [a1, a2, a3]) expect(inboxTraffic(c, 'alice').map((m) => m.event)).toEqual(['notification:updated', 'notification:updated', 'notification:deleted']);
    expect(await unreadCount(h, alice)).toBe(2);
  });

  it('read-all includes items created exactly at `before`', async () => {
    const h = await startHerald();
    const alice = await user(h, 'alice', { roles: ['admin'] });
    const a1 = await socketOf(h, alice);
    const first = await notifyOne(h, 'role:admin');
    await sleep(5);
    const second = await notifyOne(h, 'user:alice');
    await sleep(5);
    await notifyOne(h, 'broadcast');
    const items = (await inbox(h, alice)).items;
    const at = items.find((n) => n.id === second)!.createdAt;
    expect(Date.parse(at)).toBeGreaterThan(Date.parse(items.find((n) => n.id === first)!.createdAt));
    expect(await actOk(h, alice, 'read-all', { before: at })).toEqual({ updated: 2, unread: 1 });
    expect((await inbox(h, alice, { status: 'unread' })).items.map((n) => n.id)).not.toContain(second);
    const m = (await nthTraffic(a1, 'alice', 1)) as UpdatedMessage;
    expect(m.data).toMatchObject({ ids: [], all: true, before: at, unread: 1 });
  });

  it('POST /v1/inbox/read-all without a body reads everything (the body is optional, like the socket payload)', async () => {
    const h = await startHerald();
    const alice = await user(h, 'alice');
    const a1 = await socketOf(h, alice);
    await notifyOne(h, 'user:alice');
    expect(await a1.ack('inbox:read-all')).toEqual({ ok: true, updated: 1, unread: 0 });
    await nthTraffic(a1, 'alice', 1);
    await notifyOne(h, 'user:alice');
    const res = await request(h, 'POST', '/v1/inbox/read-all', undefined, { auth: alice.token });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ updated: 1, unread: 0 });
    const m2 = (await nthTraffic(a1, 'alice', 2)) as UpdatedMessage;
    expect(m2.data).toMatchObject({ ids: [], all: true, unread: 0 });
  });

  it('PUT /v1/preferences reaches every socket with the muted types and the new unread count', async () => {
    const h = await startHerald();
    const alice = await user(h, 'alice');
    const [a1, a2] = [await socketOf(h, alice), await socketOf(h, alice)];
    await notifyOne(h, 'user:alice', { type: 'promo' });
    await notifyOne(h, 'user:alice', { type: 'promo' });
    await notifyOne(h, 'user:alice', { type: 'order:created' });
    await barrier(h, [a1, a2]);

    const put = await request(h, 'PUT', '/v1/preferences', { mutedTypes: ['promo', 'promo', 'chat'] }, { auth: alice.token });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ mutedTypes: ['chat', 'promo'] });
    for (const c of [a1, a2]) {
      const m = (await nthTraffic(c, 'alice', 1)) as UpdatedMessage;
      expect(m.event).toBe('notification:updated');
      expect(m.data).toEqual({ ids: [], mutedTypes: ['chat', 'promo'], unread: 1 });
    }
    expect(await unreadCount(h, alice)).toBe(1);
    const get = await request(h, 'GET', '/v1/preferences', undefined, { auth: alice.token });
    expect(get.body).toEqual({ mutedTypes: ['chat', 'promo'] });
  });
});
