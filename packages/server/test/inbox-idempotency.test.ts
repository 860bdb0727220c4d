/**
 * Idempotent notification creation (SPEC §4 `idempotencyKey`): the same key with the same request
 * answers the original ids and stores / delivers nothing new; the same key with a different
 * request is refused with 409 IDEMPOTENCY_CONFLICT and changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { headOf, history, request, startHerald } from './helpers.js';
import { barrier, expectError, inbox, newIds, notify, socketOf, unreadCount, user } from './inbox-helpers.js';

describe('idempotent notification create', () => {
  it('the same key and body answer the same ids; one item is stored and one notification:new delivered', async () => {
    const h = await startHerald();
    const alice = await user(h, 'alice', { roles: ['admin'] });
    const [a1, a2] = [await socketOf(h, alice), await socketOf(h, alice)];
    const body = {
      to: ['user:alice', 'role:admin'],
      type: 'order:created',
      title: 'Order #12',
      body: 'Two pizzas',
      data: { order: 12, items: ['margherita', 'diavola'] },
      actionUrl: '/orders/12',
      priority: 'high',
      idempotencyKey: 'order-12-created',
    };
    const first = await request(h, 'POST', '/v1/notifications', body);
    expect(first.status).toBe(201);
    expect(first.body.notifications.map((r: { channel: string }) => r.channel)).toEqual(['user:alice', 'role:admin']);

    for (let i = 0; i < 3; i++) {
      const again = await request(h, 'POST', '/v1/notifications', body);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
    }
    // The same request with its keys in another order, and with the default priority spelled out
    // or not, is the same request.
    const { to, type, title, idempotencyKey, ...rest } = body;
    const reordered = await request(h, 'POST', '/v1/notifications', { idempotencyKey, ...rest, title, type, to });
    expect(reordered.status).toBe(201);
    expect(reordered.body).toEqual(first.body);

    await barrier(h, [a1, a2]);
    // One notification: one id, announced once on each of its channels (the SDK shows it once).
    const ids = first.body.notifications.map((r: { id: string }) => r.id);
    expect(ids[1]).toBe(ids[0]);
    for (const c of [a1, a2]) expect(newIds(c)).toEqual(ids);
    expect(await headOf(h, 'user:alice')).toBe(1);
    expect(await headOf(h, 'role:admin')).toBe(1);
    const page = await inbox(h, alice);
    expect(page.items.map((n) => n.id)).toEqual([ids[0]]);
    expect(page.items[0]).toMatchObject({ channel: 'role:admin', title: 'Order #12', priority: 'high', data: body.data, actionUrl: '/orders/12' });
    expect(await unreadCount(h, alice)).toBe(1);

    // The notification:new message of the original is the inbox item.
    // (listed with the first of its channels by name, as the copy on that channel says).
    const delivered = a1.received.find((m) => m.event === 'notification:new' && m.channel === 'role:admin')!;
    expect(delivered.data).toEqual(page.items[0]);
  });

  it('the default priority and an explicit "normal" are the same request', async () => {
    const h = await startHerald();
    const base = { to: ['broadcast'], type: 'news', title: 'Hello', idempotencyKey: 'news-1' };
    const a = await notify(h, base);
    const b = await notify(h, { ...base, priority: 'normal' });
    expect(b).toEqual(a);
    expect(await headOf(h, 'broadcast')).toBe(1);
  });

  it('data with the same members in another order is the same request', async () => {
    // JSON objects are unordered (RFC 8259 §4); the top-level keys may already come in any order.
    const h = await startHerald();
    const base = { to: ['user:alice'], type: 'order:created', title: 'Order', idempotencyKey: 'order-5' };
    const first = await notify(h, { ...base, data: { order: 5, table: 3 } });
    const retry = await request(h, 'POST', '/v1/notifications', { ...base, data: { table: 3, order: 5 } });
    expect(retry.status, retry.text).toBe(201);
    expect(retry.body.notifications).toEqual(first);
    expect(await headOf(h, 'user:alice')).toBe(1);
  });

  it('concurrent requests with one key store one notification', async () => {
    const h = await startHerald();
    const alice = await user(h, 'alice');
    const a1 = await socketOf(h, alice);
    const body = { to: ['user:alice'], type: 'payment:paid', title: 'Paid', idempotencyKey: 'pay-77' };
    const answers = await Promise.all(Array.from({ length: 8 }, () => request(h, 'POST', '/v1/notifications', body)));
    for (const a of answers) {
      expect(a.status).toBe(201);
      expect(a.body).toEqual(answers[0]!.body);
    }
    await barrier(h, [a1]);
    expect(newIds(a1)).toEqual([answers[0]!.body.notifications[0].id]);
    expect((await inbox(h, alice)).items).toHaveLength(1);
    expect((await history(h, 'user:alice')).messages).toHaveLength(1);
  });

  it('a retry after the notification’s expiresAt has passed still answers the original ids', async () => {
    // A queue job's request succeeded but its answer was lost; the job retries the very same
    // request later. SPEC §4: the same key within 24 h returns the original answer.
    const h = await startHerald();
    const body = {
      to: ['user:alice'],
      type: 'otp',
      title: 'Your code',
      expiresAt: new Date(Date.now() + 1000).toISOString(),
      idempotencyKey: 'otp-1',
    };
    const first = await request(h, 'POST', '/v1/notifications', body);
    expect(first.status).toBe(201);
    await new Promise((r) => setTimeout(r, Date.parse(body.expiresAt) - Date.now() + 100));
    const retry = await request(h, 'POST', '/v1/notifications', body);
    expect(retry.status, retry.text).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(await headOf(h, 'user:alice')).toBe(1);
  });

  it('the same key with a different request answers 409 IDEMPOTENCY_CONFLICT and stores nothing', async () => {
    const h = await startHerald();
    const alice = await user(h, 'alice', { roles: ['admin'] });
    const a1 = await socketOf(h, alice);
    const body = { to: ['user:alice'], type: 'order:created', title: 'Order #1', data: { n: 1 }, idempotencyKey: 'k-1' };
    const [original] = await notify(h, body);
    const variants: Record<string, unknown>[] = [
      { ...body, title: 'Order #2' },
      { ...body, to: ['role:admin'] },
      { ...body, to: ['user:alice', 'role:admin'] },
      { ...body, type: 'order:updated' },
      { ...body, data: { n: 2 } },
      { ...body, data: undefined },
      { ...body, body: 'now with a body' },
      { ...body, priority: 'urgent' },
      { ...body, actionUrl: '/x' },
      { ...body, expiresAt: new Date(Date.now() + 3_600_000).toISOString() },
    ];
    for (const v of variants) {
      const res = await request(h, 'POST', '/v1/notifications', v);
      expectError(res, 409, 'IDEMPOTENCY_CONFLICT', JSON.stringify(v));
    }
    await barrier(h, [a1]);
    expect(newIds(a1)).toEqual([original!.id]);
    expect(await headOf(h, 'user:alice')).toBe(1);
    expect(await headOf(h, 'role:admin')).toBe(0);
    expect((await inbox(h, alice)).items.map((n) => n.id)).toEqual([original!.id]);
    // The original still replays after the conflicts.
    expect(await notify(h, body)).toEqual([original]);
    // Another key is another notification.
    const [other] = await notify(h, { ...body, idempotencyKey: 'k-2' });
    expect(other!.id).not.toBe(original!.id);
    expect(await unreadCount(h, alice)).toBe(2);
  });
});
