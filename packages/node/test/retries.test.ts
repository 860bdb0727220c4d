/**
 * Retries: bounded, only for what may pass (5xx, 429, network, timeout), `Retry-After` honoured,
 * and never a second publish: a retry after an answer lost on the way back is answered from
 * Herald's idempotency store. Each message's presence is checked through the server's history.
 */
import { describe, expect, it } from 'vitest';
import { fullHistory, request, startHerald } from '../../server/test/helpers.js';
import { createHerald, HeraldBatchError, HeraldError } from '../src/index.js';
import { startFaultProxy } from './fault-proxy.js';

const UNAVAILABLE = { error: { code: 'UNAVAILABLE', message: 'The service is not ready' } };
const fast = { backoff: { minMs: 1, maxMs: 10 } };

describe('retries', () => {
  it('retries a publish whose connection dropped after Herald stored it, and the message is stored once', async () => {
    const h = await startHerald();
    const proxy = await startFaultProxy(h.url);
    proxy.fault('/v1/publish', { kind: 'drop-after-forward' });
    const herald = createHerald({ url: proxy.url, apiKey: h.apiKey, ...fast });

    const result = await herald.publish({ channel: 'orders', event: 'order:created', data: { id: 42 } });

    // Herald answered twice (the first answer was lost), but stored once.
    expect(proxy.forwarded['/v1/publish']).toBe(2);
    const [first, retry] = proxy.bodies['/v1/publish']!;
    expect(retry).toBe(first);
    expect(JSON.parse(first!).idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    const { messages, head } = await fullHistory(h, 'orders');
    expect(head).toBe(1);
    expect(messages).toHaveLength(1);
    expect(result.messages).toEqual([{ channel: 'orders', seq: 1, id: messages[0]!.id }]);
  });

  it('two calls without a key are two messages: the generated key belongs to one call', async () => {
    const h = await startHerald();
    const herald = createHerald({ url: h.url, apiKey: h.apiKey });
    await herald.publish({ channel: 'twice', event: 'e', data: 1 });
    await herald.publish({ channel: 'twice', event: 'e', data: 1 });
    expect((await herald.history('twice')).head).toBe(2);
  });

  it('retries a notification whose answer was lost, and the inbox holds it once', async () => {
    const h = await startHerald();
    const proxy = await startFaultProxy(h.url);
    proxy.fault('/v1/notifications', { kind: 'drop-after-forward' });
    const herald = createHerald({ url: proxy.url, apiKey: h.apiKey, ...fast });

    const { notifications } = await herald.notify({ to: ['user:quinn'], type: 'job_done', title: 'Export ready' });

    expect(proxy.forwarded['/v1/notifications']).toBe(2);
    const { token } = await herald.mintToken({ sub: 'quinn' });
    const inbox = await request(h, 'GET', '/v1/inbox', undefined, { auth: token });
    expect(inbox.body.items.map((n: { id: string }) => n.id)).toEqual([notifications[0]!.id]);
    expect(inbox.body.unread).toBe(1);
  });

  it('retries a batch chunk whose answer was lost: every item stored once, in order', async () => {
    const h = await startHerald();
    const proxy = await startFaultProxy(h.url);
    // The second chunk's first answer is lost.
    proxy.fault('/v1/publish/batch', { kind: 'answer', status: 503, body: UNAVAILABLE }, { kind: 'drop-after-forward' });
    const herald = createHerald({ url: proxy.url, apiKey: h.apiKey, ...fast });
    const items = Array.from({ length: 1500 }, (_, i) => ({ channel: 'feed', event: 'tx', data: { i } }));

    const { results } = await herald.publishBatch(items);

    const { messages, head } = await fullHistory(h, 'feed');
    expect(head).toBe(1500);
    expect(messages.map((m) => (m.data as { i: number }).i)).toEqual(items.map((it) => it.data.i));
    expect(results.map((r) => r.messages![0]!.id)).toEqual(messages.map((m) => m.id));
    // Each item carried its own key, the same on each attempt of its chunk.
    const keys = proxy.bodies['/v1/publish/batch']!.map((b) => (JSON.parse(b) as { items: { idempotencyKey: string }[] }).items.map((it) => it.idempotencyKey));
    expect(keys[1]).toEqual(keys[0]);
    expect(new Set(keys.flat()).size).toBe(1500);
  });

  it('retries 503 answers with backoff, then succeeds', async () => {
    const h = await startHerald();
    const proxy = await startFaultProxy(h.url);
    proxy.fault('/v1/publish', { kind: 'answer', status: 503, body: UNAVAILABLE }, { kind: 'answer', status: 502, body: 'bad gateway' });
    const herald = createHerald({ url: proxy.url, apiKey: h.apiKey, retries: 2, ...fast });
    await herald.publish({ channel: 'c', event: 'e', data: 1 });
    expect(proxy.seen['/v1/publish']).toBe(3);
    expect((await herald.history('c')).head).toBe(1);
  });

  it('gives up after `retries` attempts with the last error, retryable', async () => {
    const h = await startHerald();
    const proxy = await startFaultProxy(h.url);
    const five = Array.from({ length: 5 }, () => ({ kind: 'answer' as const, status: 503, body: UNAVAILABLE }));
    proxy.fault('/v1/stats', ...five);
    const herald = createHerald({ url: proxy.url, apiKey: h.apiKey, retries: 3, ...fast });
    const err = await herald.stats().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HeraldError);
    expect(err).toMatchObject({ code: 'UNAVAILABLE', status: 503, retryable: true });
    expect(proxy.seen['/v1/stats']).toBe(4);

    const once = createHerald({ url: proxy.url, apiKey: h.apiKey, retries: 0 });
    await expect(once.stats()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(proxy.seen['/v1/stats']).toBe(5);
  });

  it('does not retry 501 (a configuration, not a moment)', async () => {
    const h = await startHerald();
    const proxy = await startFaultProxy(h.url);
    proxy.fault('/v1/tokens', { kind: 'answer', status: 501, body: { error: { code: 'TOKENS_DISABLED', message: 'Token minting needs HERALD_JWT_SECRET' } } });
    const herald = createHerald({ url: proxy.url, apiKey: h.apiKey, ...fast });
    await expect(herald.mintToken({ sub: 'a' })).rejects.toMatchObject({ code: 'TOKENS_DISABLED', status: 501, retryable: false });
    expect(proxy.seen['/v1/tokens']).toBe(1);
  });

  it('waits for a 429\'s Retry-After from the server\'s rate limit, then succeeds', async () => {
    const h = await startHerald({ HERALD_HTTP_RATE_API_KEY: '2' });
    const herald = createHerald({ url: h.url, apiKey: h.apiKey, ...fast });
    // Spend this second's allowance at once; the third request is refused with Retry-After.
    const limited = await Promise.all([request(h, 'GET', '/v1/stats'), request(h, 'GET', '/v1/stats'), request(h, 'GET', '/v1/stats')]);
    const refused = limited.find((r) => r.status === 429);
    expect(refused?.body.error.code).toBe('RATE_LIMITED');
    const retryAfterS = Number(refused!.headers.get('retry-after'));
    expect(retryAfterS).toBeGreaterThanOrEqual(1);

    const started = Date.now();
    await herald.publish({ channel: 'limited', event: 'e', data: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(retryAfterS * 1000 - 50);
    expect((await herald.history('limited')).head).toBe(1);
  });

  it('honours Retry-After on a 503, and fails at once when it is past maxRetryAfterMs', async () => {
    const h = await startHerald();
    const proxy = await startFaultProxy(h.url);
    proxy.fault('/v1/stats', { kind: 'answer', status: 503, body: UNAVAILABLE, headers: { 'retry-after': '1' } });
    const herald = createHerald({ url: proxy.url, apiKey: h.apiKey, ...fast });
    const started = Date.now();
    await herald.stats();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(proxy.seen['/v1/stats']).toBe(2);

    proxy.fault('/v1/stats', { kind: 'answer', status: 429, body: { error: { code: 'RATE_LIMITED', message: 'slow down' } }, headers: { 'retry-after': '120' } });
    const impatient = createHerald({ url: proxy.url, apiKey: h.apiKey, maxRetryAfterMs: 5000 });
    await expect(impatient.stats()).rejects.toMatchObject({ code: 'RATE_LIMITED', status: 429, retryAfterMs: 120_000 });
    expect(proxy.seen['/v1/stats']).toBe(3);
  });

  it('retries a timed-out attempt with the same key: stored once', async () => {
    const h = await startHerald();
    const proxy = await startFaultProxy(h.url);
    proxy.fault('/v1/publish', { kind: 'stall' });
    const herald = createHerald({ url: proxy.url, apiKey: h.apiKey, timeoutMs: 300, ...fast });
    await herald.publish({ channel: 'slow', event: 'e', data: 1 });
    expect(proxy.seen['/v1/publish']).toBe(2);
    expect((await herald.history('slow')).head).toBe(1);
  });

  it('a batch that fails for good reports the items published before it', async () => {
    const h = await startHerald();
    const proxy = await startFaultProxy(h.url);
    const herald = createHerald({ url: proxy.url, apiKey: h.apiKey, retries: 1, ...fast });
    // The first chunk passes; the second meets two 503s.
    proxy.fault('/v1/publish/batch', { kind: 'pass' }, { kind: 'answer', status: 503, body: UNAVAILABLE }, { kind: 'answer', status: 503, body: UNAVAILABLE });
    const items = Array.from({ length: 1200 }, (_, i) => ({ channel: 'partial', event: 'e', data: i, idempotencyKey: `partial-${i}` }));
    const failing = herald.publishBatch(items);
    const err = await failing.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HeraldBatchError);
    const batchErr = err as HeraldBatchError;
    expect(batchErr).toMatchObject({ code: 'UNAVAILABLE', failedAt: 1000, retryable: true });
    expect(batchErr.results).toHaveLength(1000);
    expect((await herald.history('partial')).head).toBe(1000);

    // With its own keys, publishing the whole batch again is safe: the first 1000 replay.
    const again = await herald.publishBatch(items);
    expect(again.results.slice(0, 1000)).toEqual(batchErr.results);
    expect((await fullHistory(h, 'partial')).messages.map((m) => m.data)).toEqual(items.map((it) => it.data));
  });
});
