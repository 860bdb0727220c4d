/**
 * Failures carry Herald's codes (or NETWORK / TIMEOUT), and only those that may pass are retried:
 * a refused request is sent once.
 */
import { describe, expect, it } from 'vitest';
import { startHerald } from '../../server/test/helpers.js';
import { createHerald, HeraldError } from '../src/index.js';
import { startFaultProxy } from './fault-proxy.js';

/** The rejection of `promise`, which must be a HeraldError. */
async function failure(promise: Promise<unknown>): Promise<HeraldError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HeraldError);
  return err as HeraldError;
}

describe('errors', () => {
  it('a wrong API key is AUTH_INVALID (401), not retried', async () => {
    const h = await startHerald();
    const proxy = await startFaultProxy(h.url);
    const herald = createHerald({ url: proxy.url, apiKey: 'hk_wrong', retries: 3 });
    const err = await failure(herald.publish({ channel: 'x', event: 'e', data: 1 }));
    expect(err).toMatchObject({ code: 'AUTH_INVALID', status: 401, retryable: false });
    expect(proxy.seen['/v1/publish']).toBe(1);
  });

  it('a client token instead of an API key is FORBIDDEN (403)', async () => {
    const h = await startHerald();
    const { token } = await createHerald({ url: h.url, apiKey: h.apiKey }).mintToken({ sub: 'eve' });
    const err = await failure(createHerald({ url: h.url, apiKey: token }).stats());
    expect(err).toMatchObject({ code: 'FORBIDDEN', status: 403, retryable: false });
  });

  it('an invalid body is VALIDATION_FAILED (400) with the details of each problem, sent once', async () => {
    const h = await startHerald();
    const proxy = await startFaultProxy(h.url);
    const herald = createHerald({ url: proxy.url, apiKey: h.apiKey });
    const err = await failure(herald.publish({ channel: 'bad channel!', event: 'notification:new', data: 1 }));
    expect(err).toMatchObject({ code: 'VALIDATION_FAILED', status: 400, retryable: false });
    const paths = (err.details as { path: string }[]).map((d) => d.path);
    expect(paths).toContain('channel');
    expect(proxy.seen['/v1/publish']).toBe(1);

    const notify = await failure(herald.notify({ to: ['user:a'], type: 't', title: '' }));
    expect(notify.code).toBe('VALIDATION_FAILED');
    expect((notify.details as { path: string }[]).map((d) => d.path)).toContain('title');

    const history = await failure(herald.history('c', { limit: 5000 }));
    expect(history.code).toBe('VALIDATION_FAILED');
  });

  it('reusing an idempotency key with another message is IDEMPOTENCY_CONFLICT (409); the same message replays', async () => {
    const h = await startHerald();
    const herald = createHerald({ url: h.url, apiKey: h.apiKey });
    const first = await herald.publish({ channel: 'k', event: 'e', data: { n: 1 }, idempotencyKey: 'order-1-created' });
    expect(await herald.publish({ channel: 'k', event: 'e', data: { n: 1 }, idempotencyKey: 'order-1-created' })).toEqual(first);
    const err = await failure(herald.publish({ channel: 'k', event: 'e', data: { n: 2 }, idempotencyKey: 'order-1-created' }));
    expect(err).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', status: 409, retryable: false });
    expect((await herald.history('k')).head).toBe(1);
  });

  it('a server that cannot be reached is NETWORK after the bounded retries', async () => {
    const h = await startHerald();
    const url = h.url;
    await h.stop();
    let calls = 0;
    const herald = createHerald({
      url,
      apiKey: 'hk_any',
      retries: 2,
      backoff: { minMs: 1, maxMs: 5 },
      fetch: (input, init) => {
        calls++;
        return fetch(input, init);
      },
    });
    const err = await failure(herald.stats());
    expect(err).toMatchObject({ code: 'NETWORK', status: undefined, retryable: true });
    expect(err.message).toContain(url);
    expect(calls).toBe(3);
  });

  it('a server that does not answer within timeoutMs is TIMEOUT', async () => {
    const h = await startHerald();
    const proxy = await startFaultProxy(h.url);
    proxy.fault('/v1/stats', { kind: 'stall' });
    const herald = createHerald({ url: proxy.url, apiKey: h.apiKey, timeoutMs: 300, retries: 0 });
    const started = Date.now();
    const err = await failure(herald.stats());
    expect(err).toMatchObject({ code: 'TIMEOUT', retryable: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('an answer that is not Herald\'s JSON is BAD_RESPONSE with its status', async () => {
    const h = await startHerald();
    const proxy = await startFaultProxy(h.url);
    proxy.fault('/v1/stats', { kind: 'answer', status: 404, body: 'not here' });
    const err = await failure(createHerald({ url: proxy.url, apiKey: h.apiKey }).stats());
    expect(err).toMatchObject({ code: 'BAD_RESPONSE', status: 404, retryable: false });
  });

  it('an aborted call rejects with the signal\'s reason and stops retrying', async () => {
    const h = await startHerald();
    const proxy = await startFaultProxy(h.url);
    proxy.fault('/v1/stats', { kind: 'stall' });
    const herald = createHerald({ url: proxy.url, apiKey: h.apiKey });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('shutting down')), 100);
    await expect(herald.stats({ signal: controller.signal })).rejects.toThrow('shutting down');
    expect(proxy.seen['/v1/stats']).toBe(1);
  });

  it('createHerald refuses a missing url or apiKey, or a bad option, with a TypeError', () => {
    expect(() => createHerald({ url: '', apiKey: 'k' })).toThrow(TypeError);
    expect(() => createHerald({ url: 'http://127.0.0.1:4700', apiKey: '' })).toThrow(/apiKey/);
    expect(() => createHerald({} as never)).toThrow(/url/);
    expect(() => createHerald({ url: 'not a url', apiKey: 'k' })).toThrow(TypeError);
    expect(() => createHerald({ url: 'ftp://x', apiKey: 'k' })).toThrow(TypeError);
    expect(() => createHerald({ url: 'http://x', apiKey: 'k', retries: -1 })).toThrow(/retries/);
    expect(() => createHerald({ url: 'http://x', apiKey: 'k', timeoutMs: 0 })).toThrow(/timeoutMs/);
  });
});
