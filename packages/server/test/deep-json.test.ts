/**
 * Deeply nested JSON (docs/protocol.md §6): `data` may nest at most MAX_DATA_DEPTH (64) levels.
 * Deeper data is refused with 400 VALIDATION_FAILED on every entry point (publish, each batch
 * item on its own, notifications), with or without an idempotency key, whatever the depth (a
 * million levels included), and the server keeps serving; nothing recursive reads it first.
 */
import { MAX_DATA_DEPTH } from '@herald/protocol';
import { describe, expect, it, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { canonicalJson } from '../src/util/fingerprint.js';
import { headOf, history, publish, request, signToken, startHerald, waitUntil, type Herald } from './helpers.js';
import { prng } from './prng.js';

/** `data` nested `depth` levels, as JSON text: arrays and objects alternating, a scalar at the bottom. */
function deepText(depth: number): string {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    open += i % 2 === 0 ? '[' : '{"k":';
    close = (i % 2 === 0 ? ']' : '}') + close;
  }
  return `${open}1${close}`;
}

/** A publish body with `dataText` spliced in as `data`, as raw JSON. */
const publishRaw = (channel: string, dataText: string, extra = '') => `{"channel":"${channel}","event":"deep"${extra},"data":${dataText}}`;

async function stillServing(h: Herald) {
  const [ref] = await publish(h, { channel: 'deep:alive', event: 'alive', data: { ok: true } });
  expect(ref!.seq).toBeGreaterThan(0);
}

describe('deeply nested data', () => {
  it('accepts data exactly MAX_DATA_DEPTH levels deep and delivers it unchanged', async () => {
    const h = await startHerald();
    const text = deepText(MAX_DATA_DEPTH);
    const res = await request(h, 'POST', '/v1/publish', undefined, { raw: publishRaw('deep:ok', text, ',"idempotencyKey":"deep-ok"') });
    expect(res.status, res.text).toBe(200);
    const again = await request(h, 'POST', '/v1/publish', undefined, { raw: publishRaw('deep:ok', text, ',"idempotencyKey":"deep-ok"') });
    expect(again.body).toEqual(res.body);
    const { messages } = await history(h, 'deep:ok');
    expect(messages).toHaveLength(1);
    expect(JSON.stringify(messages[0]!.data)).toBe(text);
  });

  it('refuses one level more, and 4,000, 100,000 and 1,000,000 levels, with 400 VALIDATION_FAILED on /v1/publish', async () => {
    const h = await startHerald();
    for (const depth of [MAX_DATA_DEPTH + 1, 4_000, 100_000, 1_000_000]) {
      for (const extra of ['', `,"idempotencyKey":"deep-${depth}"`]) {
        const res = await request(h, 'POST', '/v1/publish', undefined, { raw: publishRaw('deep:no', deepText(depth), extra) });
        expect(res.status, `${depth} ${extra}`).toBe(400);
        expect(res.body.error.code).toBe('VALIDATION_FAILED');
        expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'data' })]);
      }
    }
    expect(await headOf(h, 'deep:no')).toBe(0);
    await stillServing(h);
  });

  it('answers each batch item on its own: deep items VALIDATION_FAILED, the others stored', async () => {
    const h = await startHerald();
    const items = [
      `{"channel":"deep:b","event":"first","data":1}`,
      publishRaw('deep:b', deepText(100_000)),
      publishRaw('deep:b', deepText(4_000), ',"idempotencyKey":"deep-batch"'),
      publishRaw('deep:b', deepText(MAX_DATA_DEPTH), ',"idempotencyKey":"deep-batch-ok"'),
    ];
    const res = await request(h, 'POST', '/v1/publish/batch', undefined, { raw: `{"items":[${items.join(',')}]}` });
    expect(res.status, res.text.slice(0, 500)).toBe(200);
    const results = res.body.results as any[];
    expect(results[0].messages[0].seq).toBe(1);
    expect(results[1].error.code).toBe('VALIDATION_FAILED');
    expect(results[2].error.code).toBe('VALIDATION_FAILED');
    expect(results[3].messages[0].seq).toBe(2);
    expect(await headOf(h, 'deep:b')).toBe(2);
    await stillServing(h);
  });

  it('refuses deep notification data with 400 VALIDATION_FAILED, with or without an idempotency key', async () => {
    const h = await startHerald();
    const notification = (data: string, extra = '') =>
      `{"to":["user:deep"],"type":"deep","title":"Deep"${extra},"data":${data}}`;
    for (const depth of [MAX_DATA_DEPTH + 1, 4_000, 100_000]) {
      for (const extra of ['', `,"idempotencyKey":"n-deep-${depth}"`]) {
        const res = await request(h, 'POST', '/v1/notifications', undefined, { raw: notification(deepText(depth), extra) });
        expect(res.status, `${depth} ${extra}`).toBe(400);
        expect(res.body.error.code).toBe('VALIDATION_FAILED');
      }
    }
    const ok = await request(h, 'POST', '/v1/notifications', undefined, { raw: notification(deepText(MAX_DATA_DEPTH), ',"idempotencyKey":"n-ok"') });
    expect(ok.status, ok.text).toBe(201);
    const again = await request(h, 'POST', '/v1/notifications', undefined, { raw: notification(deepText(MAX_DATA_DEPTH), ',"idempotencyKey":"n-ok"') });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(ok.body);
    await stillServing(h);
  });

  it('answers a body that is itself nested a million levels with 400 VALIDATION_FAILED on every JSON route', async () => {
    const h = await startHerald();
    const token = await signToken(h, { sub: 'deep' });
    const body = deepText(1_000_000);
    for (const [path, auth] of [
      ['/v1/publish', h.apiKey],
      ['/v1/publish/batch', h.apiKey],
      ['/v1/notifications', h.apiKey],
      ['/v1/tokens', h.apiKey],
      ['/v1/inbox/read', token],
      ['/v1/inbox/read-all', token],
    ] as const) {
      const res = await request(h, 'POST', path, undefined, { raw: body, auth });
      expect(res.status, path).toBe(400);
      expect(res.body.error.code, path).toBe('VALIDATION_FAILED');
    }
    // Deep values in fields that are not `data` fail their own type check.
    const roles = await request(h, 'POST', '/v1/tokens', undefined, { raw: `{"sub":"a","roles":${deepText(100_000)}}` });
    expect(roles.body.error.code).toBe('VALIDATION_FAILED');
    await stillServing(h);
  });

  it('answers a socket event whose payload is nested 100,000 levels with a VALIDATION_FAILED ack and keeps the socket', async () => {
    const h = await startHerald();
    const token = await signToken(h, { sub: 'deep', channels: ['deep:*'] });
    // Raw Engine.IO / Socket.IO frames: socket.io-client's own encoder recurses and cannot send this.
    const ws = new WebSocket(`${h.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    onTestFinished(() => ws.close());
    const frames: string[] = [];
    ws.on('message', (d) => {
      const text = d.toString();
      if (text === '2') ws.send('3');
      else frames.push(text);
    });
    const frame = async (pred: (f: string) => boolean) => {
      await waitUntil(() => frames.some(pred), 5000, `frame; got ${frames.map((f) => f.slice(0, 80)).join(" | ")}`);
      return frames.find(pred)!;
    };
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(`40${JSON.stringify({ token })}`);
    await frame((f) => f.startsWith('40{'));
    const deep = deepText(100_000);
    // One deep field each: a frame stays under Socket.IO's 1 MB packet limit.
    [
      ['subscribe', 'channel'],
      ['unsubscribe', 'channel'],
      ['auth', 'token'],
      ['inbox:read', 'ids'],
      ['inbox:read-all', 'before'],
    ].forEach(([event, field], i) => ws.send(`42${i + 1}["${event}",{"${field}":${deep}}]`));
    for (let i = 1; i <= 5; i++) {
      const ack = JSON.parse((await frame((f) => f.startsWith(`43${i}[`))).slice(`43${i}`.length)) as [any];
      expect(ack[0].ok).toBe(false);
      expect(ack[0].error.code).toBe('VALIDATION_FAILED');
    }
    ws.send('426["subscribe",{"channel":"deep:s"}]');
    expect(JSON.parse((await frame((f) => f.startsWith('436['))).slice(3))[0].ok).toBe(true);
    await stillServing(h);
  });
});

describe('canonicalJson (idempotency fingerprints)', () => {
  /** The recursive encoder fingerprints were made with before: the iterative one must match it byte for byte. */
  function reference(value: unknown): string {
    if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
    if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
  }

  it('writes what the recursive encoder wrote, for random values', () => {
    const random = prng(12);
    const scalars = [null, true, false, 0, -1.5, 1e21, 'a', '', 'é"\\\n', undefined, '__proto__'];
    const value = (depth: number): unknown => {
      const r = random();
      if (depth > 5 || r < 0.4) return scalars[Math.floor(random() * scalars.length)];
      const n = Math.floor(random() * 5);
      if (r < 0.7) return Array.from({ length: n }, () => value(depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) o[['b', 'a', 'B', '10', '9', 'ä', '__proto__', ''][Math.floor(random() * 8)]!] = value(depth + 1);
      return o;
    };
    for (let i = 0; i < 2000; i++) {
      const v = [value(0), 'event', value(0)];
      expect(canonicalJson(v)).toBe(reference(v));
    }
    // eslint-disable-next-line no-sparse-arrays
    const odd = [[1, , 3], { u: undefined, f: () => 1 }, JSON.parse('{"__proto__":{"x":1},"b":[]}')];
    expect(canonicalJson(odd)).toBe(reference(odd));
  });

  it('encodes a value nested a million levels without overflowing the stack', () => {
    const deep = JSON.parse(deepText(1_000_000)) as unknown;
    expect(canonicalJson(deep).length).toBe(deepText(1_000_000).length);
  });
});
