/**
 * `GET /v1/sync` (SPEC §4), the long-poll fallback: what was missed per cursor, heads, bare
 * cursors, entitlement, and long-polling that answers as soon as something arrives.
 */
import { describe, expect, it } from 'vitest';
import { publish, publishMany, range, request, signToken, sleep, startHerald, type Herald } from './helpers.js';

async function sync(h: Herald, token: string, cursors: string, wait?: number) {
  const q = `cursors=${encodeURIComponent(cursors)}${wait === undefined ? '' : `&wait=${wait}`}`;
  return request(h, 'GET', `/v1/sync?${q}`, undefined, { auth: token });
}

describe('GET /v1/sync', () => {
  it('cursor k answers k+1..head per channel, with heads for every cursor and no reset', async () => {
    const h = await startHerald();
    for (let i = 1; i <= 6; i++) await publish(h, { channel: 'feed:a', event: 'a', data: i });
    for (let i = 1; i <= 3; i++) await publish(h, { channel: 'user:s', event: 'u', data: i });
    const token = await signToken(h, { sub: 's', channels: ['feed:*'] });
    const res = await sync(h, token, 'feed:a:2,user:s:0,feed:quiet:0');
    expect(res.status).toBe(200);
    expect(res.body.heads).toEqual({ 'feed:a': 6, 'user:s': 3, 'feed:quiet': 0 });
    expect(res.body.reset).toEqual([]);
    const msgs = res.body.messages as any[];
    expect(msgs.filter((m) => m.channel === 'feed:a').map((m) => m.seq)).toEqual([3, 4, 5, 6]);
    expect(msgs.filter((m) => m.channel === 'user:s').map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(msgs).toHaveLength(7);
    for (const m of msgs) expect(m).toEqual({ id: expect.any(String), channel: m.channel, seq: m.seq, event: m.event, data: m.seq, ts: expect.any(Number) });
  });

  it('a cursor at head answers no messages for it', async () => {
    const h = await startHerald();
    for (let i = 1; i <= 3; i++) await publish(h, { channel: 'feed:a', event: 'a', data: i });
    const res = await sync(h, await signToken(h, { sub: 's', channels: ['feed:*'] }), 'feed:a:3');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ messages: [], heads: { 'feed:a': 3 }, reset: [] });
  });

  it('a cursor ahead of the head is listed in reset (it comes from another database)', async () => {
    const h = await startHerald();
    await publish(h, { channel: 'feed:a', event: 'e', data: 1 });
    const res = await sync(h, await signToken(h, { sub: 's', channels: ['feed:*'] }), 'feed:a:99');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ messages: [], heads: { 'feed:a': 1 }, reset: ['feed:a'] });
  });

  it('a bare channel cursor answers just its head', async () => {
    const h = await startHerald();
    for (let i = 1; i <= 4; i++) await publish(h, { channel: 'feed:bare', event: 'e', data: i });
    const res = await sync(h, await signToken(h, { sub: 's', channels: ['feed:*'] }), 'feed:bare,broadcast');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ messages: [], heads: { 'feed:bare': 4, broadcast: 0 }, reset: [] });
  });

  it('pages more than 1000 missed messages: at most 1000 per channel, heads show what remains', async () => {
    const h = await startHerald();
    await publishMany(h, 'feed:big', 1500);
    const token = await signToken(h, { sub: 's', channels: ['feed:*'] });
    const first = await sync(h, token, 'feed:big:0');
    expect(first.body.heads).toEqual({ 'feed:big': 1500 });
    const got = first.body.messages.map((m: any) => m.seq) as number[];
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThanOrEqual(1000);
    expect(got).toEqual(range(1, got.length));
    const second = await sync(h, token, `feed:big:${got.at(-1)}`);
    expect([...got, ...second.body.messages.map((m: any) => m.seq)]).toEqual(range(1, 1500));
  });

  it('refuses a cursor on a channel the token is not entitled to with 403 CHANNEL_FORBIDDEN', async () => {
    const h = await startHerald();
    const token = await signToken(h, { sub: 's', roles: ['staff'], channels: ['feed:*'] });
    for (const cursors of ['user:other:0', 'feed:a:0,user:other:0', 'role:admin:0', 'feeds:a:0', 'feed:0']) {
      const res = await sync(h, token, cursors);
      expect(res.status, cursors).toBe(403);
      expect(res.body.error.code, cursors).toBe('CHANNEL_FORBIDDEN');
    }
    expect((await sync(h, token, 'role:staff:0,user:s:0,broadcast:0,feed:a:0')).status).toBe(200);
  });

  it('refuses malformed cursors and waits over 25 s with VALIDATION_FAILED', async () => {
    const h = await startHerald();
    const token = await signToken(h, { sub: 's', channels: ['feed:*'] });
    for (const q of ['', 'cursors=', `cursors=${encodeURIComponent('bad channel:1')}`, 'cursors=feed:a:1,feed:a:2', 'cursors=feed:a:1&wait=26', 'cursors=feed:a:1&wait=-1', 'cursors=feed:a:1&wait=soon', 'cursors=feed:a:1&extra=1']) {
      const res = await request(h, 'GET', `/v1/sync?${q}`, undefined, { auth: token });
      expect(res.status, q).toBe(400);
      expect(res.body.error.code, q).toBe('VALIDATION_FAILED');
    }
  });

  it('long-polls: with wait=5 on an idle channel it answers with a message published 300 ms later, well before 5 s', async () => {
    const h = await startHerald();
    const token = await signToken(h, { sub: 's', channels: ['feed:*'] });
    const started = Date.now();
    const pending = sync(h, token, 'feed:idle:0', 5);
    await sleep(300);
    const [ref] = await publish(h, { channel: 'feed:idle', event: 'arrived', data: { late: true } });
    const res = await pending;
    const elapsed = Date.now() - started;
    expect(res.status).toBe(200);
    expect(res.body.messages).toEqual([{ id: ref!.id, channel: 'feed:idle', seq: 1, event: 'arrived', data: { late: true }, ts: expect.any(Number) }]);
    expect(res.body.heads).toEqual({ 'feed:idle': 1 });
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(2000);
  });

  it('long-polls on a bare cursor: answers with what arrives after the request, from its head', async () => {
    const h = await startHerald();
    await publish(h, { channel: 'feed:bare-wait', event: 'old', data: 1 });
    const token = await signToken(h, { sub: 's', channels: ['feed:*'] });
    const started = Date.now();
    const pending = sync(h, token, 'feed:bare-wait', 5);
    await sleep(300);
    await publish(h, { channel: 'feed:bare-wait', event: 'new', data: 2 });
    const res = await pending;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(res.body.messages.map((m: any) => [m.seq, m.event])).toEqual([[2, 'new']]);
    expect(res.body.heads).toEqual({ 'feed:bare-wait': 2 });
  });

  it('long-polls on several channels and answers as soon as any of them has something new', async () => {
    const h = await startHerald();
    const token = await signToken(h, { sub: 's', channels: ['feed:*'] });
    const started = Date.now();
    const pending = sync(h, token, 'feed:x:0,feed:y:0,user:s:0', 5);
    await sleep(300);
    await publish(h, { channel: 'user:s', event: 'personal', data: null });
    const res = await pending;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(res.body.messages.map((m: any) => [m.channel, m.seq])).toEqual([['user:s', 1]]);
    expect(res.body.heads).toEqual({ 'feed:x': 0, 'feed:y': 0, 'user:s': 1 });
  });

  it('is not woken by a publish on a channel it did not ask for', async () => {
    const h = await startHerald();
    const token = await signToken(h, { sub: 's', channels: ['feed:*'] });
    const started = Date.now();
    const pending = sync(h, token, 'feed:mine:0', 1);
    await sleep(200);
    await publish(h, { channel: 'feed:other', event: 'e', data: null });
    const res = await pending;
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(res.body).toEqual({ messages: [], heads: { 'feed:mine': 0 }, reset: [] });
  });

  it('with nothing published it answers empty after about wait seconds (wait=1)', async () => {
    const h = await startHerald();
    const token = await signToken(h, { sub: 's', channels: ['feed:*'] });
    const started = Date.now();
    const res = await sync(h, token, 'feed:silent:0', 1);
    const elapsed = Date.now() - started;
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ messages: [], heads: { 'feed:silent': 0 }, reset: [] });
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(3000);
  });

  it('answers at once, without waiting, when the cursor is already behind head', async () => {
    const h = await startHerald();
    await publish(h, { channel: 'feed:behind', event: 'e', data: 1 });
    const token = await signToken(h, { sub: 's', channels: ['feed:*'] });
    const started = Date.now();
    const res = await sync(h, token, 'feed:behind:0', 5);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(res.body.messages.map((m: any) => m.seq)).toEqual([1]);
  });
});
