/**
 * `POST /api/token`: each persona's token, minted by a real Herald, reads its own channels and
 * is refused every other one (checked through Herald's history endpoint with that token).
 */
import { describe, expect, it } from 'vitest';
import { call, ok, startDemo, startHerald, type TestHerald } from './helpers.js';

/** Status and error code of reading `channel`'s history with `token`. */
async function read(herald: TestHerald, token: string, channel: string): Promise<string> {
  const res = await call(herald.url, 'GET', `/v1/channels/${encodeURIComponent(channel)}/history?limit=1`, undefined, token);
  return res.status === 200 ? '200' : `${res.status} ${res.body?.error?.code}`;
}

describe('personas', () => {
  it('each persona reads its own channels and is refused the others', async () => {
    const herald = await startHerald();
    const demo = await startDemo(herald);
    const { sessionId } = await ok(demo.url, 'POST', '/api/tables/7/5/session', undefined, 201);
    const FORBIDDEN = '403 CHANNEL_FORBIDDEN';

    const cases: { params: Record<string, unknown>; sub: string; allowed: string[]; refused: string[] }[] = [
      {
        params: { persona: 'restaurant-admin', restaurantId: 7, name: 'alice' },
        sub: 'r7-admin-alice',
        allowed: ['restaurant:7:dashboard', 'restaurant:7:admins', 'user:r7-admin-alice'],
        refused: ['restaurant:8:dashboard', 'restaurant:7:kitchen', 'loyalty:events', 'role:admin'],
      },
      {
        params: { persona: 'kitchen', restaurantId: '8', screen: 'grill' },
        sub: 'r8-kitchen-grill',
        allowed: ['restaurant:8:kitchen'],
        refused: ['restaurant:7:kitchen', 'restaurant:8:dashboard', 'restaurant:8:admins'],
      },
      {
        params: { persona: 'guest', sessionId },
        sub: `guest-${sessionId}`,
        allowed: [`session:${sessionId}`],
        refused: ['restaurant:7:kitchen', 'restaurant:7:dashboard', 'session:someone-else'],
      },
      {
        params: { persona: 'loyalty-guest', cardId: 'c-100' },
        sub: 'guest-lea',
        allowed: ['card:c-100', 'user:guest-lea'],
        refused: ['card:c-101', 'restaurant:7:transactions', 'loyalty:events'],
      },
      {
        params: { persona: 'loyalty-restaurant', restaurantId: 7 },
        sub: 'r7-manager',
        allowed: ['restaurant:7:transactions'],
        refused: ['restaurant:8:transactions', 'card:c-100'],
      },
      {
        params: { persona: 'loyalty-admin' },
        sub: 'loyalty-admin',
        allowed: ['loyalty:events', 'role:admin'],
        refused: ['card:c-100', 'restaurant:7:transactions'],
      },
      {
        params: { persona: 'queue-user', user: 'quinn' },
        sub: 'quinn',
        allowed: ['jobs:quinn', 'user:quinn'],
        refused: ['jobs:other', 'user:other'],
      },
      {
        params: { persona: 'market-client', id: 'cleo' },
        sub: 'client-cleo',
        allowed: ['market:client-cleo', 'user:client-cleo'],
        refused: ['market:provider-pat', 'market:client-other', 'user:provider-pat'],
      },
      {
        params: { persona: 'market-provider', id: 'pat' },
        sub: 'provider-pat',
        allowed: ['market:provider-pat', 'user:provider-pat'],
        refused: ['market:client-cleo', 'market:provider-other'],
      },
    ];
    for (const c of cases) {
      const minted = await ok(demo.url, 'POST', '/api/token', c.params);
      expect(minted.sub, c.sub).toBe(c.sub);
      expect(minted.expiresAt - Date.now()).toBeGreaterThan(3500_000);
      expect(minted.expiresAt - Date.now()).toBeLessThanOrEqual(3600_000);
      for (const channel of c.allowed) expect(`${c.sub} ${channel} ${await read(herald, minted.token, channel)}`).toBe(`${c.sub} ${channel} 200`);
      for (const channel of c.refused) expect(`${c.sub} ${channel} ${await read(herald, minted.token, channel)}`).toBe(`${c.sub} ${channel} ${FORBIDDEN}`);
    }
  });

  it('refuses unknown personas and bad parameters, and answers 404 for what does not exist', async () => {
    const herald = await startHerald();
    const demo = await startDemo(herald);
    const status = async (body: unknown) => {
      const res = await call(demo.url, 'POST', '/api/token', body);
      return `${res.status} ${res.body.error?.code}`;
    };
    expect(await status({ persona: 'superuser' })).toBe('400 VALIDATION_FAILED');
    expect(await status({})).toBe('400 VALIDATION_FAILED');
    expect(await status({ persona: 'kitchen', restaurantId: 7 })).toBe('400 VALIDATION_FAILED');
    expect(await status({ persona: 'kitchen', restaurantId: 7, screen: 'a b' })).toBe('400 VALIDATION_FAILED');
    expect(await status({ persona: 'queue-user', user: 'quinn:admin' })).toBe('400 VALIDATION_FAILED');
    expect(await status({ persona: 'queue-user', user: 'x'.repeat(65) })).toBe('400 VALIDATION_FAILED');
    expect(await status({ persona: 'loyalty-admin', roles: ['admin', 'root'] })).toBe('400 VALIDATION_FAILED');
    expect(await status({ persona: 'guest', sessionId: 'no-such-session' })).toBe('404 NOT_FOUND');
    expect(await status({ persona: 'loyalty-guest', cardId: 'c-999' })).toBe('404 NOT_FOUND');
    expect(await status({ persona: 'restaurant-admin', restaurantId: 9, name: 'alice' })).toBe('404 NOT_FOUND');
  });

  it('answers 503 HERALD_UNAVAILABLE when Herald cannot mint', async () => {
    const herald = await startHerald();
    const demo = await startDemo(herald);
    await herald.stop();
    const res = await call(demo.url, 'POST', '/api/token', { persona: 'loyalty-admin' });
    expect([res.status, res.body.error.code]).toEqual([503, 'HERALD_UNAVAILABLE']);
  });
});
