/**
 * Operational endpoints (SPEC §4): liveness, readiness and Prometheus metrics, without auth.
 */
import { describe, expect, it } from 'vitest';
import { connect, publish, request, signToken, sleep, startHerald, waitUntil, type Herald } from './helpers.js';

const METRICS = [
  'herald_connections',
  'herald_subscriptions',
  'herald_messages_published_total',
  'herald_messages_delivered_total',
  'herald_publish_duration_seconds',
];

/** Sum of every sample of metric `name` (any labels) in a Prometheus text exposition. */
function sample(text: string, name: string): number {
  let total = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m && m[1] === name) {
      total += Number(m[3]);
      found = true;
    }
  }
  if (!found) throw new Error(`metric ${name} has no sample in:\n${text}`);
  return total;
}

async function metrics(h: Herald): Promise<string> {
  const res = await request(h, 'GET', '/metrics', undefined, { auth: null });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text;
}

describe('health and metrics', () => {
  it('/healthz answers 200 without credentials', async () => {
    const h = await startHerald();
    const res = await request(h, 'GET', '/healthz', undefined, { auth: null });
    expect(res.status).toBe(200);
  });

  it('/readyz answers 200 when the store is reachable', async () => {
    const h = await startHerald();
    const res = await request(h, 'GET', '/readyz', undefined, { auth: null });
    expect(res.status).toBe(200);
  });

  it('/metrics exposes the Herald metrics in Prometheus text format', async () => {
    const h = await startHerald();
    const text = await metrics(h);
    for (const name of METRICS) {
      expect(text, name).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    }
    expect(text).toMatch(/^# TYPE herald_publish_duration_seconds histogram$/m);
  });

  it('/metrics counts publishes, deliveries, connections and subscriptions', async () => {
    const h = await startHerald();
    const before = await metrics(h);
    const published0 = sample(before, 'herald_messages_published_total');
    const delivered0 = sample(before, 'herald_messages_delivered_total');
    const durations0 = sample(before, 'herald_publish_duration_seconds_count');
    expect(sample(before, 'herald_connections')).toBe(0);

    const c = await connect(h, await signToken(h, { sub: 'm', channels: ['stats:*'] }));
    const connected = await metrics(h);
    expect(sample(connected, 'herald_connections')).toBe(1);
    const subscriptions0 = sample(connected, 'herald_subscriptions');
    expect((await c.subscribe('stats:1')).ok).toBe(true);
    await publish(h, { channel: 'stats:1', event: 'e', data: 1 });
    await publish(h, { channels: ['stats:1', 'stats:2'], event: 'e', data: 2 });
    await waitUntil(() => c.on('stats:1').length === 2, 5000, 'two deliveries');

    const after = await metrics(h);
    // Three messages stored (one, then one on each of two channels); two delivered to the one subscriber.
    expect(sample(after, 'herald_messages_published_total') - published0).toBe(3);
    expect(sample(after, 'herald_messages_delivered_total') - delivered0).toBe(2);
    expect(sample(after, 'herald_publish_duration_seconds_count') - durations0).toBeGreaterThanOrEqual(2);
    expect(sample(after, 'herald_connections')).toBe(1);
    expect(sample(after, 'herald_subscriptions') - subscriptions0).toBe(1);

    c.socket.disconnect();
    let gone = after;
    const deadline = Date.now() + 3000;
    while (sample(gone, 'herald_connections') !== 0 && Date.now() < deadline) {
      await sleep(50);
      gone = await metrics(h);
    }
    expect(sample(gone, 'herald_connections')).toBe(0);
    expect(sample(gone, 'herald_subscriptions')).toBe(0);
  });

  it('/v1/stats answers the API key with connections and subscriptions, and refuses a client token with FORBIDDEN', async () => {
    const h = await startHerald();
    await connect(h, await signToken(h, { sub: 's1' }));
    const res = await request(h, 'GET', '/v1/stats');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ connections: 1, subscriptions: expect.any(Number), nodes: 1 });
    const client = await request(h, 'GET', '/v1/stats', undefined, { auth: await signToken(h, { sub: 's1' }) });
    expect(client.status).toBe(403);
    expect(client.body.error.code).toBe('FORBIDDEN');
    const none = await request(h, 'GET', '/v1/stats', undefined, { auth: null });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('AUTH_REQUIRED');
  });
});
