/**
 * Bad input to the inbox (SPEC §4, STYLE rule 6): every malformed, unauthorised or out-of-reach
 * request is answered with its catalogue code — over HTTP and through socket acks — and nothing
 * changes: no notification stored, no message delivered, no state written, no key consumed.
 */
import { describe, expect, it } from 'vitest';
import { fullHistory, headOf, publish, request, signToken, startHerald, type Client, type Herald } from './helpers.js';
import {
  act,
  barrier,
  expectAckError,
  expectError,
  inbox,
  inboxTraffic,
  newIds,
  notify,
  notifyOne,
  socketOf,
  unreadCount,
  user,
  type User,
} from './inbox-helpers.js';

const INBOX_CHANNELS = ['user:alice', 'role:admin', 'broadcast', 'team:red'];

/** The inbox traffic (`notification:*` messages) stored on a channel; test barriers are not counted. */
async function inboxMessages(h: Herald, channel: string): Promise<string[]> {
  return (await fullHistory(h, channel)).messages.filter((m) => m.event.startsWith('notification:')).map((m) => m.id);
}

/** Alice's full inbox, her unread count and the inbox traffic of every channel involved: "the state". */
async function snapshot(h: Herald, u: User) {
  const heads = await Promise.all([...INBOX_CHANNELS, 'user:bob', 'role:ops'].map((c) => inboxMessages(h, c)));
  const items = (await inbox(h, u, { archived: 'all', limit: 100 })).items;
  return { heads, items, unread: await unreadCount(h, u) };
}

async function stillServing(h: Herald, c: Client, u: User) {
  expect(c.socket.connected).toBe(true);
  const id = await notifyOne(h, `user:${u.sub}`, { type: 'probe' });
  await c.waitFor((m) => m.event === 'notification:new' && (m.data as { id: string }).id === id, 5000, 'probe');
  const del = await c.ack('inbox:delete', { ids: [id] });
  expect(del.ok).toBe(true);
}

describe('POST /v1/notifications bad input', () => {
  it('answers VALIDATION_FAILED for every malformed body and stores or delivers nothing', async () => {
    const h = await startHerald();
    const alice = await user(h, 'alice', { roles: ['admin'], channels: ['team:red'] });
    const a1 = await socketOf(h, alice);
    const ok = { to: ['user:alice'], type: 'order:created', title: 'Order' };
    const past = new Date(Date.now() - 60_000).toISOString();
    const cases: [string, unknown][] = [
      ['to not an array', { ...ok, to: 'user:alice' }],
      ['to empty', { ...ok, to: [] }],
      ['to missing', { type: 'order:created', title: 'Order' }],
      ['bad channel name', { ...ok, to: ['user alice'] }],
      ['bad channel among good ones', { ...ok, to: ['user:alice', 'role:admin', 'bad/channel'] }],
      ['empty channel name', { ...ok, to: [''] }],
      ['channel name too long', { ...ok, to: ['x'.repeat(201)] }],
      ['channel not a string', { ...ok, to: [42] }],
      ['duplicate channels', { ...ok, to: ['user:alice', 'broadcast', 'user:alice'] }],
      ['101 channels', { ...ok, to: Array.from({ length: 101 }, (_, i) => `team:${i}`) }],
      ['type missing', { to: ['user:alice'], title: 'Order' }],
      ['type empty', { ...ok, type: '' }],
      ['type with a space', { ...ok, type: 'order created' }],
      ['title missing', { to: ['user:alice'], type: 'order:created' }],
      ['title empty', { ...ok, title: '' }],
      ['title not a string', { ...ok, title: 42 }],
      ['title too long', { ...ok, title: 't'.repeat(501) }],
      ['body not a string', { ...ok, body: { text: 'x' } }],
      ['title with a NUL character', { ...ok, title: 'Or\u0000der' }],
      ['body with a NUL character', { ...ok, body: '\u0000' }],
      ['actionUrl with a NUL character', { ...ok, actionUrl: '/orders/\u0000' }],
      ['priority unknown', { ...ok, priority: 'critical' }],
      ['priority a number', { ...ok, priority: 3 }],
      ['expiresAt in the past', { ...ok, expiresAt: past }],
      ['expiresAt not a time', { ...ok, expiresAt: 'tomorrow' }],
      ['expiresAt a number', { ...ok, expiresAt: Date.now() + 60_000 }],
      ['actionUrl javascript:', { ...ok, actionUrl: 'javascript:alert(1)' }],
      ['unknown key', { ...ok, channel: 'user:alice' }],
      ['idempotencyKey empty', { ...ok, idempotencyKey: '' }],
      ['body an array', [ok]],
      ['body a string', 'hello'],
      ['body null', null],
    ];
    for (const [what, body] of cases) {
      const res = await request(h, 'POST', '/v1/notifications', body);
      expectError(res, 400, 'VALIDATION_FAILED', what);
      expect(res.body.error.details, what).toBeDefined();
    }
    const raw = await request(h, 'POST', '/v1/notifications', undefined, { raw: '{"to":["user:alice"],' });
    expectError(raw, 400, 'INVALID_JSON');
    expectError(await request(h, 'POST', '/v1/inbox/read', { ids: ['01J\u0000'] }, { auth: alice.token }), 400, 'VALIDATION_FAILED', 'an id with NUL');

    await barrier(h, [a1]);
    expect(newIds(a1)).toEqual([]);
    for (const c of [...INBOX_CHANNELS, 'team:0']) expect(await inboxMessages(h, c), c).toEqual([]);
    expect((await inbox(h, alice, { archived: 'all' })).items).toEqual([]);
  });

  it('answers 413 DATA_TOO_LARGE for data over 64 KiB encoded, and accepts exactly 64 KiB', async () => {
    const h = await startHerald();
    const alice = await user(h, 'alice');
    const a1 = await socketOf(h, alice);
    // JSON of a string of n characters is n + 2 bytes.
    const over = await request(h, 'POST', '/v1/notifications', {
      to: ['user:alice'],
      type: 'big',
      title: 'Big',
      data: 'x'.repeat(64 * 1024 - 1),
      idempotencyKey: 'big-1',
    });
    expectError(over, 413, 'DATA_TOO_LARGE');
    const wayOver = await request(h, 'POST', '/v1/notifications', {
      to: ['user:alice', 'broadcast'],
      type: 'big',
      title: 'Big',
      data: { blob: 'y'.repeat(200 * 1024) },
    });
    expectError(wayOver, 413, 'DATA_TOO_LARGE');
    await barrier(h, [a1]);
    expect(newIds(a1)).toEqual([]);
    expect(await headOf(h, 'user:alice')).toBe(0);
    expect(await headOf(h, 'broadcast')).toBe(1); // the barrier's own message

    // The refused request did not consume its idempotency key.
    const fits = await notify(h, { to: ['user:alice'], type: 'big', title: 'Big', data: 'x'.repeat(64 * 1024 - 2), idempotencyKey: 'big-1' });
    expect(fits).toHaveLength(1);
    const item = (await inbox(h, alice)).items[0]!;
    expect(item.id).toBe(fits[0]!.id);
    expect(item.data).toBe('x'.repeat(64 * 1024 - 2));
  });

  it('a request refused for an expiresAt in the past does not consume its idempotency key', async () => {
    const h = await startHerald();
    const alice = await user(h, 'alice');
    const body = { to: ['user:alice'], type: 'otp', title: 'Code', idempotencyKey: 'otp-9' };
    expectError(
      await request(h, 'POST', '/v1/notifications', { ...body, expiresAt: new Date(Date.now() - 1000).toISOString() }),
      400,
      'VALIDATION_FAILED',
    );
    const refs = await notify(h, { ...body, expiresAt: new Date(Date.now() + 60_000).toISOString() });
    expect((await inbox(h, alice)).items.map((n) => n.id)).toEqual([refs[0]!.id]);
  });

  it('refuses client tokens (FORBIDDEN) and missing or bad credentials', async () => {
    const h = await startHerald();
    const admin = await user(h, 'root', { roles: ['admin'], channels: ['team:*'] });
    const body = { to: ['broadcast'], type: 'news', title: 'Hi' };
    expectError(await request(h, 'POST', '/v1/notifications', body, { auth: admin.token }), 403, 'FORBIDDEN');
    expectError(await request(h, 'POST', '/v1/notifications', body, { auth: null }), 401, 'AUTH_REQUIRED');
    expectError(await request(h, 'POST', '/v1/notifications', body, { auth: 'hk_not_a_real_key_0123456789' }), 401, 'AUTH_INVALID');
    expect(await headOf(h, 'broadcast')).toBe(0);
  });
});

describe('inbox routes refuse the wrong credentials', () => {
  it('API key → FORBIDDEN, none → AUTH_REQUIRED, bad or expired token → AUTH_INVALID / AUTH_EXPIRED, on every route', async () => {
    const h = await startHerald();
    const alice = await user(h, 'alice');
    const id = await notifyOne(h, 'user:alice');
    const forged = await signToken(h, { sub: 'alice' }, { secret: 'another-secret-of-at-least-32-chars!!' });
    const expired = await signToken(h, { sub: 'alice' }, { expiresIn: -120 });
    const routes: [string, string, unknown][] = [
      ['GET', '/v1/inbox', undefined],
      ['GET', '/v1/inbox/unread-count', undefined],
      ...['read', 'seen', 'archive', 'unarchive', 'delete'].map((a): [string, string, unknown] => ['POST', `/v1/inbox/${a}`, { ids: [id] }]),
      ['POST', '/v1/inbox/read-all', {}],
      ['GET', '/v1/preferences', undefined],
      ['PUT', '/v1/preferences', { mutedTypes: ['test:note'] }],
    ];
    for (const [method, path, body] of routes) {
      expectError(await request(h, method, path, body), 403, 'FORBIDDEN', `${method} ${path} with API key`);
      expectError(await request(h, method, path, body, { auth: null }), 401, 'AUTH_REQUIRED', `${method} ${path} without auth`);
      expectError(await request(h, method, path, body, { auth: forged }), 401, 'AUTH_INVALID', `${method} ${path} forged`);
      expectError(await request(h, method, path, body, { auth: expired }), 401, 'AUTH_EXPIRED', `${method} ${path} expired`);
    }
    const page = await inbox(h, alice);
    expect(page.items.map((n) => [n.id, n.readAt, n.seenAt, n.archivedAt])).toEqual([[id, undefined, undefined, undefined]]);
    expect(await headOf(h, 'user:alice')).toBe(1);
    expect((await request(h, 'GET', '/v1/preferences', undefined, { auth: alice.token })).body).toEqual({ mutedTypes: [] });
  });
});

describe('inbox changes with ids outside the inbox', () => {
  it('unknown, foreign, unentitled and mixed id lists answer NOT_FOUND and change nothing, also for the valid ids', async () => {
    const h = await startHerald();
    const alice = await user(h, 'alice', { roles: ['admin'], channels: ['team:red', 'shop:*'] });
    const [a1, a2] = [await socketOf(h, alice), await socketOf(h, alice)];
    const mine = await notifyOne(h, 'user:alice');
    const shared = await notifyOne(h, 'role:admin');
    const archivedOne = await notifyOne(h, 'broadcast');
    await request(h, 'POST', '/v1/inbox/archive', { ids: [archivedOne] }, { auth: alice.token });
    const gone = await notifyOne(h, 'team:red');
    await request(h, 'POST', '/v1/inbox/delete', { ids: [gone] }, { auth: alice.token });
    const bobs = await notifyOne(h, 'user:bob');
    const ops = await notifyOne(h, 'role:ops');
    const wildcard = await notifyOne(h, 'shop:1'); // a `shop:*` grant opens the channel, not an inbox
    const unknown = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
    await barrier(h, [a1, a2]);
    const before = await snapshot(h, alice);
    const trafficBefore = inboxTraffic(a2, 'alice').length;

    const refusals: [string, string[]][] = [
      ['unknown', [unknown]],
      ['not a ULID', ['not-an-id']],
      ['another user’s', [bobs]],
      ['a role alice lacks', [ops]],
      ['a wildcard-granted channel', [wildcard]],
      ['deleted by alice', [gone]],
      ['valid + foreign', [mine, bobs]],
      ['foreign + valid', [ops, shared]],
      ['valid + unknown + valid', [mine, unknown, shared, archivedOne]],
      ['valid + deleted', [shared, gone]],
      ['500 unknown ids', Array.from({ length: 500 }, (_, i) => `${unknown.slice(0, 20)}${String(i).padStart(6, '0')}`)],
      ['499 copies of a valid id + a foreign one', [...Array(499).fill(mine), bobs]],
    ];
    for (const action of ['read', 'seen', 'archive', 'unarchive', 'delete'] as const) {
      for (const [what, ids] of refusals) {
        const res = await act(h, alice, action, { ids });
        expectError(res, 404, 'NOT_FOUND', `${action} ${what}`);
        expectAckError(await a1.ack(`inbox:${action}`, { ids }), 'NOT_FOUND', `socket ${action} ${what}`);
      }
    }
    await barrier(h, [a1, a2]);
    expect(await snapshot(h, alice)).toEqual(before);
    expect(inboxTraffic(a2, 'alice')).toHaveLength(trafficBefore);
    // In particular the valid ids of the refused mixes are still unread and not deleted.
    const items = (await inbox(h, alice, { archived: 'all' })).items;
    for (const id of [mine, shared]) {
      const item = items.find((n) => n.id === id)!;
      expect(item, id).toBeDefined();
      expect(item.readAt).toBeUndefined();
      expect(item.seenAt).toBeUndefined();
      expect(item.archivedAt).toBeUndefined();
    }
    expect(before.unread).toBe(3);
    // Bob's notification is untouched as well (bob's own view).
    const bob = await user(h, 'bob');
    const bobItems = (await inbox(h, bob, { archived: 'all' })).items;
    expect(bobItems.map((n) => [n.id, n.readAt, n.archivedAt])).toEqual([
      [bobs, undefined, undefined],
      [archivedOne, undefined, undefined], // alice archived her copy of the broadcast, not bob's
    ]);
  });
});

describe('malformed inbox requests', () => {
  it('HTTP: bad id lists, bad read-all, bad queries and bad preferences answer VALIDATION_FAILED and change nothing', async () => {
    const h = await startHerald();
    const alice = await user(h, 'alice', { roles: ['admin'], channels: ['team:red'] });
    const a1 = await socketOf(h, alice);
    const mine = await notifyOne(h, 'user:alice');
    await notifyOne(h, 'broadcast', { type: 'promo' });
    await barrier(h, [a1]);
    const before = await snapshot(h, alice);

    const idBodies: [string, unknown][] = [
      ['501 ids', { ids: Array.from({ length: 501 }, () => mine) }],
      ['501 distinct ids incl. a valid one', { ids: [mine, ...Array.from({ length: 500 }, (_, i) => `X${i}`)] }],
      ['empty ids', { ids: [] }],
      ['ids a string', { ids: mine }],
      ['ids an object', { ids: { 0: mine } }],
      ['ids null', { ids: null }],
      ['ids of numbers', { ids: [1, 2] }],
      ['an empty id', { ids: [''] }],
      ['an id of 65 chars', { ids: ['A'.repeat(65)] }],
      ['no ids', {}],
      ['unknown key', { ids: [mine], all: true }],
      ['body an array', [mine]],
      ['body a string', 'x'],
      ['body null', null],
    ];
    for (const action of ['read', 'seen', 'archive', 'unarchive', 'delete']) {
      for (const [what, body] of idBodies) {
        expectError(await act(h, alice, action as 'read', body), 400, 'VALIDATION_FAILED', `${action} ${what}`);
      }
      expectError(await act(h, alice, action as 'read', undefined), 400, 'VALIDATION_FAILED', `${action} no body`);
      expectError(
        await request(h, 'POST', `/v1/inbox/${action}`, undefined, { auth: alice.token, raw: '{"ids":[' }),
        400,
        'INVALID_JSON',
        `${action} bad JSON`,
      );
    }
    for (const [what, body] of [
      ['before not a time', { before: 'yesterday' }],
      ['before a number', { before: Date.now() }],
      ['unknown key', { ids: [mine] }],
      ['body an array', []],
      ['body a string', 'all'],
    ] as [string, unknown][]) {
      expectError(await act(h, alice, 'read-all', body), 400, 'VALIDATION_FAILED', `read-all ${what}`);
    }
    for (const query of ['status=new', 'archived=maybe', 'limit=0', 'limit=101', 'limit=ten', 'limit=2.5', 'before=nope', 'sort=asc']) {
      expectError(await request(h, 'GET', `/v1/inbox?${query}`, undefined, { auth: alice.token }), 400, 'VALIDATION_FAILED', query);
    }
    for (const [what, body] of [
      ['mutedTypes a string', { mutedTypes: 'promo' }],
      ['a type with a space', { mutedTypes: ['two words'] }],
      ['201 types', { mutedTypes: Array.from({ length: 201 }, (_, i) => `t${i}`) }],
      ['no mutedTypes', {}],
      ['unknown key', { mutedTypes: ['promo'], sound: false }],
    ] as [string, unknown][]) {
      expectError(await request(h, 'PUT', '/v1/preferences', body, { auth: alice.token }), 400, 'VALIDATION_FAILED', `preferences ${what}`);
    }

    await barrier(h, [a1]);
    expect(await snapshot(h, alice)).toEqual(before);
    expect(inboxTraffic(a1, 'alice')).toEqual([]);
    expect((await request(h, 'GET', '/v1/preferences', undefined, { auth: alice.token })).body).toEqual({ mutedTypes: [] });
    expect(before.unread).toBe(2);
  });

  it('socket: payloads that are not the expected objects answer VALIDATION_FAILED; the socket keeps working', async () => {
    const h = await startHerald();
    const alice = await user(h, 'alice', { roles: ['admin'] });
    const [a1, a2] = [await socketOf(h, alice), await socketOf(h, alice)];
    const mine = await notifyOne(h, 'user:alice');
    await notifyOne(h, 'role:admin');
    await barrier(h, [a1, a2]);
    const before = await snapshot(h, alice);

    const payloads: [string, unknown][] = [
      ['a string', mine],
      ['a number', 42],
      ['true', true],
      ['null', null],
      ['an array of ids', [mine]],
      ['ids a string', { ids: mine }],
      ['ids empty', { ids: [] }],
      ['ids of numbers', { ids: [7] }],
      ['no ids', {}],
      ['501 ids', { ids: Array.from({ length: 501 }, () => mine) }],
      ['unknown key', { ids: [mine], extra: 1 }],
    ];
    for (const action of ['read', 'seen', 'archive', 'unarchive', 'delete']) {
      for (const [what, payload] of payloads) {
        expectAckError(await a1.ack(`inbox:${action}`, payload), 'VALIDATION_FAILED', `inbox:${action} ${what}`);
      }
      expectAckError(await a1.ack(`inbox:${action}`), 'VALIDATION_FAILED', `inbox:${action} without payload`);
      // Without an ack the server answers nobody, and goes on.
      a1.socket.emit(`inbox:${action}`, 'garbage');
      a1.socket.emit(`inbox:${action}`, { ids: [mine], extra: true });
    }
    for (const [what, payload] of [
      ['a string', 'all'],
      ['a number', 1],
      ['true', true],
      ['an array', []],
      ['before not a time', { before: 'now' }],
      ['unknown key', { ids: [mine] }],
    ] as [string, unknown][]) {
      expectAckError(await a1.ack('inbox:read-all', payload), 'VALIDATION_FAILED', `inbox:read-all ${what}`);
    }
    a1.socket.emit('inbox:read-all', 'garbage');
    expectAckError(await a1.ack('inbox:mark-everything', { ids: [mine] }), 'UNKNOWN_EVENT');

    await barrier(h, [a1, a2]);
    expect(await snapshot(h, alice)).toEqual(before);
    expect(inboxTraffic(a1, 'alice')).toEqual([]);
    expect(inboxTraffic(a2, 'alice')).toEqual([]);
    expect(before.unread).toBe(2);

    // The socket is still connected and its next valid operation works.
    expect(await a1.ack('inbox:read', { ids: [mine] })).toEqual({ ok: true, updated: 1, unread: 1 });
    await stillServing(h, a1, alice);
    await publish(h, { channel: 'user:alice', event: 'after', data: 1 });
    await a2.waitFor((m) => m.event === 'after');
  });
});
