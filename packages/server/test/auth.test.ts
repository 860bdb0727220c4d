/**
 * Authentication (SPEC §3): client JWTs and API keys, refused with stable codes on HTTP and on
 * the socket handshake; tokens minted by POST /v1/tokens; token refresh on a live socket.
 */
import { generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  algNoneToken,
  connect,
  connectRefused,
  publish,
  request,
  signToken,
  sleep,
  startHerald,
  waitUntil,
  type Herald,
} from './helpers.js';

const syncPath = '/v1/sync?cursors=broadcast:0';

/** The tokens every refusal test runs through, with the code each must be refused with. */
async function badTokens(h: Herald): Promise<[string, string, string][]> {
  const { privateKey } = await generateKeyPair('RS256');
  const now = Math.floor(Date.now() / 1000);
  const rs256 = await new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setSubject('mallory').setExpirationTime(now + 600).sign(privateKey);
  return [
    ['forged (signed with another secret)', await signToken(h, { sub: 'mallory' }, { secret: 'another-secret-of-at-least-32-characters!!' }), 'AUTH_INVALID'],
    ['alg none', algNoneToken({ sub: 'mallory' }), 'AUTH_INVALID'],
    ['HS384 with the right secret', await signToken(h, { sub: 'mallory' }, { alg: 'HS384' }), 'AUTH_INVALID'],
    ['HS512 with the right secret', await signToken(h, { sub: 'mallory' }, { alg: 'HS512' }), 'AUTH_INVALID'],
    ['RS256 without a JWKS configured', rs256, 'AUTH_INVALID'],
    ['garbage', 'not-a-token', 'AUTH_INVALID'],
    ['three garbage parts', 'aaaa.bbbb.cccc', 'AUTH_INVALID'],
    ['a valid signature without sub', await signToken(h, {}), 'AUTH_INVALID'],
    ['a sub that is not a channel-safe name', await signToken(h, { sub: 'has space' }), 'AUTH_INVALID'],
    ['expired 2 minutes ago (beyond the 30 s leeway)', await signToken(h, { sub: 'late' }, { expiresIn: -120 }), 'AUTH_EXPIRED'],
  ];
}

describe('client tokens on HTTP (GET /v1/sync)', () => {
  it('refuses a request without Authorization with 401 AUTH_REQUIRED', async () => {
    const h = await startHerald();
    const res = await request(h, 'GET', syncPath, undefined, { auth: null });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('AUTH_REQUIRED');
    const notBearer = await request(h, 'GET', syncPath, undefined, { auth: null, headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(notBearer.status).toBe(401);
    expect(['AUTH_REQUIRED', 'AUTH_INVALID']).toContain(notBearer.body.error.code);
  });

  it('refuses forged, alg none, wrong-algorithm, malformed and expired tokens with their codes', async () => {
    const h = await startHerald();
    for (const [what, token, code] of await badTokens(h)) {
      const res = await request(h, 'GET', syncPath, undefined, { auth: token });
      expect(res.status, what).toBe(401);
      expect(res.body.error.code, what).toBe(code);
      expect(typeof res.body.error.message, what).toBe('string');
    }
  });

  it('accepts a token that expired 10 s ago (within the 30 s leeway)', async () => {
    const h = await startHerald();
    const res = await request(h, 'GET', syncPath, undefined, { auth: await signToken(h, { sub: 'late' }, { expiresIn: -10 }) });
    expect(res.status).toBe(200);
  });

  it('refuses an API key on a client route with 403 FORBIDDEN', async () => {
    const h = await startHerald();
    const res = await request(h, 'GET', syncPath);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
  });
});

describe('API keys', () => {
  it('refuses a bad API key with 401 AUTH_INVALID and a missing one with 401 AUTH_REQUIRED, storing nothing', async () => {
    const h = await startHerald();
    const body = { channel: 'keys:1', event: 'e', data: 1 };
    for (const key of ['hk_wrong_key_of_sufficient_length_000', `${h.apiKey}x`, h.apiKey.slice(0, -1)]) {
      const res = await request(h, 'POST', '/v1/publish', body, { auth: key });
      expect(res.status, key).toBe(401);
      expect(res.body.error.code, key).toBe('AUTH_INVALID');
    }
    const none = await request(h, 'POST', '/v1/publish', body, { auth: null });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('AUTH_REQUIRED');
    const head = await request(h, 'GET', `/v1/channels/keys:1/history?since=0`);
    expect(head.body.head).toBe(0);
  });

  it('refuses a client JWT on an API-key route with 403 FORBIDDEN', async () => {
    const h = await startHerald();
    const token = await signToken(h, { sub: 'u', roles: ['admin'], channels: ['keys:*'] });
    for (const [method, path, body] of [
      ['POST', '/v1/publish', { channel: 'keys:1', event: 'e', data: 1 }],
      ['POST', '/v1/publish/batch', { items: [{ channel: 'keys:1', event: 'e', data: 1 }] }],
      ['POST', '/v1/tokens', { sub: 'escalate', roles: ['admin'] }],
    ] as const) {
      const res = await request(h, method, path, body, { auth: token });
      expect(res.status, path).toBe(403);
      expect(res.body.error.code, path).toBe('FORBIDDEN');
    }
    expect((await request(h, 'GET', `/v1/channels/keys:1/history?since=0`)).body.head).toBe(0);
  });

  it('refuses a bad API key on history and presence with 401 AUTH_INVALID', async () => {
    const h = await startHerald();
    for (const path of ['/v1/channels/keys:1/history', '/v1/channels/keys:1/presence']) {
      const res = await request(h, 'GET', path, undefined, { auth: 'hk_wrong_key_of_sufficient_length_000' });
      expect(res.status, path).toBe(401);
      expect(res.body.error.code, path).toBe('AUTH_INVALID');
    }
  });
});

describe('credentials come before the body', () => {
  it('a request without Authorization answers 401 AUTH_REQUIRED whatever its body', async () => {
    const h = await startHerald();
    const cases: [string, string, unknown, string | undefined][] = [
      ['POST', '/v1/publish', { channel: 'bad channel', event: 7 }, undefined],
      ['POST', '/v1/publish', { nonsense: true }, undefined],
      ['POST', '/v1/publish', undefined, '{"channel":'],
      ['POST', '/v1/publish/batch', { items: 'x' }, undefined],
      ['POST', '/v1/tokens', { sub: 'has space' }, undefined],
    ];
    for (const [method, path, body, raw] of cases) {
      const res = await request(h, method, path, body, { auth: null, ...(raw !== undefined ? { raw } : {}) });
      expect(res.status, `${path} ${raw ?? JSON.stringify(body)}`).toBe(401);
      expect(res.body.error.code, `${path} ${raw ?? JSON.stringify(body)}`).toBe('AUTH_REQUIRED');
    }
    for (const [path, what] of [
      ['/v1/sync?cursors=bad%20channel:1', 'bad cursor'],
      ['/v1/sync?cursors=feed:1&wait=99', 'wait over 25'],
      ['/v1/channels/bad%20channel/history', 'bad channel'],
      ['/v1/channels/ok/history?limit=0', 'bad limit'],
    ] as const) {
      const res = await request(h, 'GET', path, undefined, { auth: null });
      expect(res.status, what).toBe(401);
      expect(res.body.error.code, what).toBe('AUTH_REQUIRED');
    }
  });

  it('a request with a bad API key answers 401 AUTH_INVALID whatever its body', async () => {
    const h = await startHerald();
    const bad = 'hk_wrong_key_of_sufficient_length_000';
    const invalid = await request(h, 'POST', '/v1/publish', { channel: 'bad channel' }, { auth: bad });
    expect(invalid.status).toBe(401);
    expect(invalid.body.error.code).toBe('AUTH_INVALID');
    const malformed = await request(h, 'POST', '/v1/publish', undefined, { auth: bad, raw: '{"channel":' });
    expect(malformed.status).toBe(401);
    expect(malformed.body.error.code).toBe('AUTH_INVALID');
  });
});

describe('client tokens on the socket handshake', () => {
  it('refuses a handshake without a token with connect_error AUTH_REQUIRED', async () => {
    const h = await startHerald();
    expect((await connectRefused(h, undefined)).data?.code).toBe('AUTH_REQUIRED');
    expect((await connectRefused(h, {})).data?.code).toBe('AUTH_REQUIRED');
  });

  it('refuses forged, alg none, wrong-algorithm, malformed and expired tokens with their codes', async () => {
    const h = await startHerald();
    for (const [what, token, code] of await badTokens(h)) {
      const refused = await connectRefused(h, { token });
      expect(refused.data?.code, what).toBe(code);
    }
  });

  it('refuses an API key as a handshake token', async () => {
    const h = await startHerald();
    const refused = await connectRefused(h, { token: h.apiKey });
    expect(['AUTH_INVALID', 'FORBIDDEN']).toContain(refused.data?.code);
  });

  it('accepts a token that expired 10 s ago (within the 30 s leeway)', async () => {
    const h = await startHerald();
    const c = await connect(h, await signToken(h, { sub: 'late' }, { expiresIn: -10 }));
    expect(c.socket.connected).toBe(true);
  });

  it('keeps serving other clients after refusing handshakes', async () => {
    const h = await startHerald();
    const good = await connect(h, await signToken(h, { sub: 'good' }));
    for (const [, token] of await badTokens(h)) await connectRefused(h, { token });
    await publish(h, { channel: 'user:good', event: 'still-here', data: null });
    await good.waitFor((m) => m.event === 'still-here');
  });
});

describe('POST /v1/tokens', () => {
  it('mints a token { token, expiresAt } that works on the socket and on /v1/sync with its claims', async () => {
    const h = await startHerald();
    const before = Date.now();
    const res = await request(h, 'POST', '/v1/tokens', { sub: 'minted', roles: ['admin'], channels: ['shop:*'], ttlSeconds: 600 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ token: expect.any(String), expiresAt: expect.any(Number) });
    expect(res.body.expiresAt).toBeGreaterThanOrEqual(before + 600_000 - 2000);
    expect(res.body.expiresAt).toBeLessThanOrEqual(Date.now() + 600_000 + 2000);
    const token: string = res.body.token;

    const c = await connect(h, token);
    expect(await c.subscribe('shop:1')).toMatchObject({ ok: true, channel: 'shop:1' });
    expect((await c.subscribe('shops:1')).error.code).toBe('CHANNEL_FORBIDDEN');
    await publish(h, { channel: 'shop:1', event: 'app', data: 1 });
    await publish(h, { channel: 'role:admin', event: 'role', data: 2 });
    await publish(h, { channel: 'user:minted', event: 'user', data: 3 });
    await c.waitFor((m) => m.event === 'user');
    expect(c.received.map((m) => m.event)).toEqual(['app', 'role', 'user']);

    const sync = await request(h, 'GET', '/v1/sync?cursors=shop:1:0,user:minted:0,role:admin:0', undefined, { auth: token });
    expect(sync.status).toBe(200);
    expect(sync.body.heads).toEqual({ 'shop:1': 1, 'user:minted': 1, 'role:admin': 1 });
    expect(sync.body.messages.map((m: any) => m.event).sort()).toEqual(['app', 'role', 'user']);
  });

  it('mints a token with default claims and TTL when only sub is given', async () => {
    const h = await startHerald();
    const res = await request(h, 'POST', '/v1/tokens', { sub: 'plain' });
    expect(res.status).toBe(200);
    expect(res.body.expiresAt).toBeGreaterThan(Date.now());
    const c = await connect(h, res.body.token);
    expect((await c.subscribe('shop:1')).error.code).toBe('CHANNEL_FORBIDDEN');
  });

  it('refuses invalid mint requests with VALIDATION_FAILED', async () => {
    const h = await startHerald();
    for (const body of [
      {},
      { sub: '' },
      { sub: 'has space' },
      { sub: 42 },
      { sub: 'u', roles: 'admin' },
      { sub: 'u', channels: ['bad channel'] },
      { sub: 'u', ttlSeconds: 5 },
      { sub: 'u', ttlSeconds: 1.5 },
      { sub: 'u', admin: true },
    ]) {
      const res = await request(h, 'POST', '/v1/tokens', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code, JSON.stringify(body)).toBe('VALIDATION_FAILED');
    }
  });
});

describe('auth refresh on a live socket', () => {
  it('replaces the token without reconnecting: same socket.id, still receives', async () => {
    const h = await startHerald();
    const c = await connect(h, await signToken(h, { sub: 'r', channels: ['feed:*'] }, { expiresIn: 60 }));
    await c.subscribe('feed:1');
    const id = c.socket.id;
    expect(await c.ack('auth', { token: await signToken(h, { sub: 'r', channels: ['feed:*'] }, { expiresIn: 3600 }) })).toEqual({ ok: true });
    await publish(h, { channel: 'feed:1', event: 'after-refresh', data: null });
    await publish(h, { channel: 'user:r', event: 'user-after-refresh', data: null });
    await c.waitFor((m) => m.event === 'user-after-refresh');
    expect(c.socket.id).toBe(id);
    expect(c.socket.connected).toBe(true);
    expect(c.disconnects).toBe(0);
    expect(c.received.map((m) => m.event)).toEqual(['after-refresh', 'user-after-refresh']);
    expect(c.unsubscribed).toEqual([]);
  });

  it('ends subscriptions the new token no longer covers with unsubscribed { channel, code: CHANNEL_FORBIDDEN }', async () => {
    const h = await startHerald();
    const c = await connect(h, await signToken(h, { sub: 'r', roles: ['admin'], channels: ['feed:*'] }));
    expect((await c.subscribe('feed:1')).ok).toBe(true);
    expect((await c.subscribe('feed:2')).ok).toBe(true);
    expect(await c.ack('auth', { token: await signToken(h, { sub: 'r', channels: ['feed:1'] }) })).toEqual({ ok: true });
    await waitUntil(() => c.unsubscribed.length >= 2, 5000, 'two unsubscribed events');
    expect([...c.unsubscribed].sort((a, b) => a.channel.localeCompare(b.channel))).toEqual([
      { channel: 'feed:2', code: 'CHANNEL_FORBIDDEN' },
      { channel: 'role:admin', code: 'CHANNEL_FORBIDDEN' },
    ]);
    await publish(h, { channel: 'feed:2', event: 'dropped', data: null });
    await publish(h, { channel: 'role:admin', event: 'dropped-role', data: null });
    await publish(h, { channel: 'feed:1', event: 'kept', data: null });
    await publish(h, { channel: 'user:r', event: 'control', data: null });
    await c.waitFor((m) => m.event === 'control');
    await sleep(100);
    expect(c.received.map((m) => m.event)).toEqual(['kept', 'control']);
    expect(c.disconnects).toBe(0);
    // The narrowed token is the one in force: feed:2 can no longer be subscribed.
    expect((await c.subscribe('feed:2')).error.code).toBe('CHANNEL_FORBIDDEN');
  });

  it('when the token runs out (past the 30 s leeway) its subscriptions end with unsubscribed AUTH_EXPIRED and nothing more is delivered', async () => {
    const h = await startHerald();
    // Expired 28 s ago: accepted within the leeway, which runs out about 2 s from now.
    const c = await connect(h, await signToken(h, { sub: 'x', channels: ['feed:*'] }, { expiresIn: -28 }));
    expect((await c.subscribe('feed:1')).ok).toBe(true);
    await waitUntil(() => c.unsubscribed.length >= 3, 6000, 'unsubscribed events on expiry');
    expect([...c.unsubscribed].sort((a, b) => a.channel.localeCompare(b.channel))).toEqual([
      { channel: 'broadcast', code: 'AUTH_EXPIRED' },
      { channel: 'feed:1', code: 'AUTH_EXPIRED' },
      { channel: 'user:x', code: 'AUTH_EXPIRED' },
    ]);
    await publish(h, { channel: 'feed:1', event: 'late', data: null });
    await publish(h, { channel: 'user:x', event: 'late', data: null });
    await sleep(300);
    expect(c.received).toEqual([]);
  });

  it('refreshing the token before it runs out keeps the socket and its subscriptions alive', async () => {
    const h = await startHerald();
    const c = await connect(h, await signToken(h, { sub: 'x', channels: ['feed:*'] }, { expiresIn: -28 }));
    expect((await c.subscribe('feed:1')).ok).toBe(true);
    expect(await c.ack('auth', { token: await signToken(h, { sub: 'x', channels: ['feed:*'] }, { expiresIn: 600 }) })).toEqual({ ok: true });
    await sleep(3500);
    expect(c.unsubscribed).toEqual([]);
    expect(c.socket.connected).toBe(true);
    await publish(h, { channel: 'feed:1', event: 'alive', data: null });
    await c.waitFor((m) => m.event === 'alive');
  });

  it('refuses a bad token on auth with AUTH_INVALID / AUTH_EXPIRED and keeps the old token in force', async () => {
    const h = await startHerald();
    const c = await connect(h, await signToken(h, { sub: 'r', channels: ['feed:*'] }));
    await c.subscribe('feed:1');
    const cases: [string, string][] = [
      [await signToken(h, { sub: 'r' }, { secret: 'another-secret-of-at-least-32-characters!!' }), 'AUTH_INVALID'],
      [algNoneToken({ sub: 'r', channels: ['feed:*', 'admin:*'] }), 'AUTH_INVALID'],
      [await signToken(h, { sub: 'r' }, { alg: 'HS512' }), 'AUTH_INVALID'],
      ['garbage', 'AUTH_INVALID'],
      [await signToken(h, { sub: 'r' }, { expiresIn: -120 }), 'AUTH_EXPIRED'],
    ];
    for (const [token, code] of cases) {
      const ack = await c.ack('auth', { token });
      expect(ack.ok, code).toBe(false);
      expect(ack.error.code, token).toBe(code);
    }
    expect(c.unsubscribed).toEqual([]);
    expect(c.socket.connected).toBe(true);
    await publish(h, { channel: 'feed:1', event: 'still', data: null });
    await c.waitFor((m) => m.event === 'still');
    expect((await c.subscribe('feed:2')).ok).toBe(true);
    expect((await c.subscribe('admin:1')).error.code).toBe('CHANNEL_FORBIDDEN');
  });
});
