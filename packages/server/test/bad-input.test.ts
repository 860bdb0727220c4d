/**
 * Bad input (SPEC §4, STYLE rule 6): every malformed request or socket payload gets a coded
 * error, stores nothing, and the server keeps serving other clients.
 */
import { describe, expect, it } from 'vitest';
import { connect, headOf, history, historyPath, publish, request, signToken, sleep, startHerald, type Herald } from './helpers.js';

/** A second client still receives a publish: the server survived whatever came before. */
async function stillServing(h: Herald) {
  const witness = await connect(h, await signToken(h, { sub: 'witness' }));
  await publish(h, { channel: 'user:witness', event: 'alive', data: null });
  await witness.waitFor((m) => m.event === 'alive');
}

describe('HTTP bad input', () => {
  it('malformed JSON answers 400 INVALID_JSON and stores nothing', async () => {
    const h = await startHerald();
    for (const raw of ['{"channel":', '{channel: "bad:1"}', "{'channel':'bad:1'}", '{"channel":"bad:1","event":"e",}', 'nope']) {
      const res = await request(h, 'POST', '/v1/publish', undefined, { raw });
      expect(res.status, raw).toBe(400);
      expect(res.body.error.code, raw).toBe('INVALID_JSON');
      expect(typeof res.body.error.message).toBe('string');
    }
    const batch = await request(h, 'POST', '/v1/publish/batch', undefined, { raw: '{"items":[' });
    expect(batch.status).toBe(400);
    expect(batch.body.error.code).toBe('INVALID_JSON');
    expect(await headOf(h, 'bad:1')).toBe(0);
    await stillServing(h);
  });

  it('wrong shapes and unknown keys answer 400 VALIDATION_FAILED with details, storing nothing', async () => {
    const h = await startHerald();
    const cases: unknown[] = [
      {},
      [],
      'a string',
      42,
      null,
      { channel: 'bad:1' },
      { channel: 'bad:1', event: 7, data: 1 },
      { channel: 7, event: 'e', data: 1 },
      { channel: ['bad:1'], event: 'e', data: 1 },
      { channels: 'bad:1', event: 'e', data: 1 },
      { channels: [], event: 'e', data: 1 },
      { channel: 'bad:1', channels: ['bad:1'], event: 'e', data: 1 },
      { event: 'e', data: 1 },
      { channel: 'bad:1', event: '', data: 1 },
      { channel: 'bad:1', event: 'has space', data: 1 },
      { channel: 'bad:1', event: 'e'.repeat(101), data: 1 },
      { channel: 'bad:1', event: 'e', data: 1, idempotencyKey: 5 },
      { channel: 'bad:1', event: 'e', data: 1, idempotencyKey: '' },
      { channel: 'bad:1', event: 'e', data: 1, extra: true },
      { channel: 'bad:1', event: 'notification:new', data: 1 },
      { channel: 'bad:1', event: 'notification:updated', data: 1 },
    ];
    for (const body of cases) {
      const res = await request(h, 'POST', '/v1/publish', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code, JSON.stringify(body)).toBe('VALIDATION_FAILED');
    }
    const detailed = await request(h, 'POST', '/v1/publish', { channel: 'bad:1', event: 7, data: 1 });
    expect(detailed.body.error.details).toBeDefined();
    for (const body of [{}, { items: 'x' }, { items: [] }, { items: [{ channel: 'bad:1', event: 'e' }], extra: 1 }]) {
      const res = await request(h, 'POST', '/v1/publish/batch', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code, JSON.stringify(body)).toBe('VALIDATION_FAILED');
    }
    expect(await headOf(h, 'bad:1')).toBe(0);
    await stillServing(h);
  });

  it('invalid channel names answer VALIDATION_FAILED on publish and history, storing nothing', async () => {
    const h = await startHerald();
    for (const channel of ['bad channel', 'x'.repeat(201), '', 'emoji:😀', 'slash/1', 'tab\t1', 'quote"1']) {
      const res = await request(h, 'POST', '/v1/publish', { channel, event: 'e', data: 1 });
      expect(res.status, channel).toBe(400);
      expect(res.body.error.code, channel).toBe('VALIDATION_FAILED');
      const multi = await request(h, 'POST', '/v1/publish', { channels: ['ok:1', channel], event: 'e', data: 1 });
      expect(multi.status, channel).toBe(400);
      expect(multi.body.error.code, channel).toBe('VALIDATION_FAILED');
    }
    // A multi-channel publish with one bad name stores nothing on the good one.
    expect(await headOf(h, 'ok:1')).toBe(0);
    for (const channel of ['bad channel', 'emoji:😀', 'slash/1']) {
      const res = await request(h, 'GET', historyPath(channel, 'since=0'));
      expect(res.status, channel).toBe(400);
      expect(res.body?.error?.code, `${channel}: ${res.text.slice(0, 300)}`).toBe('VALIDATION_FAILED');
    }
    await stillServing(h);
  });

  it('channel names of 101 to 200 characters are valid for publish, history and presence; 201 is VALIDATION_FAILED', async () => {
    const h = await startHerald();
    for (const channel of [`long:${'x'.repeat(96)}`, 'y'.repeat(200)]) {
      expect((await publish(h, { channel, event: 'e', data: 1 }))[0]!.seq, `publish ${channel.length}`).toBe(1);
      const hist = await request(h, 'GET', historyPath(channel, 'since=0'));
      expect(hist.status, `history ${channel.length}: ${hist.text.slice(0, 200)}`).toBe(200);
      expect(hist.body.head).toBe(1);
      const presence = await request(h, 'GET', `/v1/channels/${channel}/presence`);
      expect(presence.status, `presence ${channel.length}: ${presence.text.slice(0, 200)}`).toBe(200);
      expect(presence.body).toEqual({ clients: 0, users: [] });
    }
    const over = await request(h, 'GET', historyPath('x'.repeat(201), 'since=0'));
    expect(over.status, over.text.slice(0, 300)).toBe(400);
    expect(over.body?.error?.code, over.text.slice(0, 300)).toBe('VALIDATION_FAILED');
  });

  it('a body in a media type Herald does not parse answers 415 UNSUPPORTED_MEDIA_TYPE and stores nothing', async () => {
    const h = await startHerald();
    const raw = JSON.stringify({ channel: 'media:1', event: 'e', data: 1 });
    for (const type of ['application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x']) {
      const res = await request(h, 'POST', '/v1/publish', undefined, { raw, headers: { 'content-type': type } });
      expect(res.status, type).toBe(415);
      expect(res.body.error.code, type).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    expect(await headOf(h, 'media:1')).toBe(0);
  });

  it('a JSON body sent as text/plain answers 415 UNSUPPORTED_MEDIA_TYPE (bodies are JSON only)', async () => {
    const h = await startHerald();
    const raw = JSON.stringify({ channel: 'media:1', event: 'e', data: 1 });
    const res = await request(h, 'POST', '/v1/publish', undefined, { raw, headers: { 'content-type': 'text/plain' } });
    expect(res.body?.error?.code, res.text.slice(0, 300)).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(res.status).toBe(415);
    expect(await headOf(h, 'media:1')).toBe(0);
  });

  it('an empty JSON body answers 400 INVALID_JSON', async () => {
    const h = await startHerald();
    const res = await request(h, 'POST', '/v1/publish', undefined, { raw: '' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_JSON');
  });

  it('a body over HERALD_BODY_LIMIT answers 413 PAYLOAD_TOO_LARGE and stores nothing', async () => {
    const h = await startHerald({ HERALD_BODY_LIMIT: '4096' });
    const res = await request(h, 'POST', '/v1/publish', { channel: 'limit:1', event: 'e', data: 'z'.repeat(5000) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await headOf(h, 'limit:1')).toBe(0);
    expect((await publish(h, { channel: 'limit:1', event: 'e', data: 'z'.repeat(1000) }))[0]!.seq).toBe(1);
  });

  it('a malformed percent-encoding in the path answers a coded 400 error', async () => {
    const h = await startHerald();
    const res = await request(h, 'GET', '/v1/channels/%E0%A4%A/history');
    expect(res.status).toBe(400);
    expect(res.body?.error?.code, res.text.slice(0, 300)).toBe('VALIDATION_FAILED');
  });

  it('data over 64 KiB encoded answers 413 DATA_TOO_LARGE; exactly 64 KiB is accepted (measured in UTF-8 bytes)', async () => {
    const h = await startHerald();
    // JSON encoding of a string is its content plus two quotes.
    const exact = 'x'.repeat(64 * 1024 - 2);
    expect((await publish(h, { channel: 'size:1', event: 'e', data: exact }))[0]!.seq).toBe(1);
    expect((await history(h, 'size:1')).messages[0]!.data).toBe(exact);
    const cases: [string, unknown][] = [
      ['one byte over', 'x'.repeat(64 * 1024 - 1)],
      ['an object well over', { blob: 'y'.repeat(70_000) }],
      // 32768 × "é" is 65538 UTF-8 bytes encoded, though only 32770 characters.
      ['multi-byte characters over in bytes', 'é'.repeat(32_768)],
    ];
    for (const [what, data] of cases) {
      const res = await request(h, 'POST', '/v1/publish', { channel: 'size:1', event: 'e', data });
      expect(res.status, what).toBe(413);
      expect(res.body.error.code, what).toBe('DATA_TOO_LARGE');
    }
    // 32767 × "é" is exactly 65536 bytes encoded.
    expect((await publish(h, { channel: 'size:1', event: 'e', data: 'é'.repeat(32_767) }))[0]!.seq).toBe(2);
    expect(await headOf(h, 'size:1')).toBe(2);
    await stillServing(h);
  });

  it('a batch of more than 1000 items answers 413 BATCH_TOO_LARGE and stores none of them', async () => {
    const h = await startHerald();
    const items = Array.from({ length: 1500 }, (_, i) => ({ channel: 'bulk:1', event: 'e', data: i }));
    const res = await request(h, 'POST', '/v1/publish/batch', { items });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('BATCH_TOO_LARGE');
    expect(await headOf(h, 'bulk:1')).toBe(0);
    await stillServing(h);
  });

  it('history with an invalid since or limit answers VALIDATION_FAILED', async () => {
    const h = await startHerald();
    for (const q of ['since=-1', 'since=abc', 'limit=0', 'limit=1001', 'limit=1.5', 'bogus=1']) {
      const res = await request(h, 'GET', historyPath('ok:1', q));
      expect(res.status, q).toBe(400);
      expect(res.body.error.code, q).toBe('VALIDATION_FAILED');
    }
  });

  it('an unknown route answers 404 NOT_FOUND in the error shape', async () => {
    const h = await startHerald();
    for (const [method, path] of [
      ['GET', '/v1/nope'],
      ['POST', '/v1/publishes'],
      ['GET', '/v2/publish'],
    ] as const) {
      const res = await request(h, method, path, method === 'POST' ? {} : undefined);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code, path).toBe('NOT_FOUND');
    }
  });
});

describe('socket bad input', () => {
  const nonObjects: [string, unknown][] = [
    ['a string', 'feed:1'],
    ['a number', 42],
    ['null', null],
    ['an array', ['feed:1']],
    ['a boolean', true],
  ];

  it('non-object payloads on subscribe, unsubscribe and auth answer VALIDATION_FAILED', async () => {
    const h = await startHerald();
    const c = await connect(h, await signToken(h, { sub: 'u', channels: ['feed:*'] }));
    for (const event of ['subscribe', 'unsubscribe', 'auth']) {
      for (const [what, payload] of nonObjects) {
        const ack = await c.ack(event, payload);
        expect(ack.ok, `${event} with ${what}`).toBe(false);
        expect(ack.error.code, `${event} with ${what}`).toBe('VALIDATION_FAILED');
        expect(typeof ack.error.message).toBe('string');
      }
      // No payload at all: the ack is the only argument.
      const bare = await c.ack(event);
      expect(bare.ok, `${event} without payload`).toBe(false);
      expect(bare.error.code, `${event} without payload`).toBe('VALIDATION_FAILED');
    }
    expect(c.socket.connected).toBe(true);
    expect(await c.subscribe('feed:1', 0)).toMatchObject({ ok: true, channel: 'feed:1' });
  });

  it('wrong types, bad channel names and unknown keys answer VALIDATION_FAILED', async () => {
    const h = await startHerald();
    const c = await connect(h, await signToken(h, { sub: 'u', channels: ['feed:*'] }));
    const subscribes: unknown[] = [
      {},
      { channel: 5 },
      { channel: 'bad channel' },
      { channel: 'x'.repeat(201) },
      { channel: '' },
      { channel: 'feed:1', since: -1 },
      { channel: 'feed:1', since: 1.5 },
      { channel: 'feed:1', since: '3' },
      { channel: 'feed:1', extra: true },
    ];
    for (const payload of subscribes) {
      const ack = await c.ack('subscribe', payload);
      expect(ack.ok, JSON.stringify(payload)).toBe(false);
      expect(ack.error.code, JSON.stringify(payload)).toBe('VALIDATION_FAILED');
    }
    for (const payload of [{}, { channel: 5 }, { channel: 'bad channel' }, { channel: 'feed:1', since: 1 }]) {
      const ack = await c.ack('unsubscribe', payload);
      expect(ack.ok, JSON.stringify(payload)).toBe(false);
      expect(ack.error.code, JSON.stringify(payload)).toBe('VALIDATION_FAILED');
    }
    for (const payload of [{}, { token: 5 }, { token: '' }, { token: 'abc', extra: 1 }]) {
      const ack = await c.ack('auth', payload);
      expect(ack.ok, JSON.stringify(payload)).toBe(false);
      expect(ack.error.code, JSON.stringify(payload)).toBe('VALIDATION_FAILED');
    }
    // None of it subscribed anything: a publish to feed:1 does not arrive.
    await publish(h, { channel: 'feed:1', event: 'unsubscribed-channel', data: null });
    await publish(h, { channel: 'user:u', event: 'control', data: null });
    await c.waitFor((m) => m.event === 'control');
    await sleep(100);
    expect(c.events('feed:1')).toEqual([]);
  });

  it('unknown events with an ack answer UNKNOWN_EVENT; without an ack they are ignored', async () => {
    const h = await startHerald();
    const c = await connect(h, await signToken(h, { sub: 'u', channels: ['feed:*'] }));
    for (const [event, args] of [
      ['publish', [{ channel: 'feed:1', event: 'e', data: 1 }]],
      ['does-not-exist', [{}]],
      ['message', [{ channel: 'feed:1' }]],
      ['subscribe:all', []],
    ] as const) {
      const ack = await c.ack(event, ...args);
      expect(ack.ok, event).toBe(false);
      expect(ack.error.code, event).toBe('UNKNOWN_EVENT');
    }
    c.socket.emit('does-not-exist', { a: 1 });
    c.socket.emit('publish', { channel: 'feed:1', event: 'e', data: 1 });
    c.socket.emit('another-unknown');
    await sleep(100);
    expect(c.socket.connected).toBe(true);
    expect(c.disconnects).toBe(0);
    expect(await headOf(h, 'feed:1')).toBe(0);
    expect(await c.subscribe('feed:1')).toMatchObject({ ok: true, channel: 'feed:1', head: 0 });
    await stillServing(h);
  });

  it('known events without an ack callback do not crash the connection or the server', async () => {
    const h = await startHerald();
    const c = await connect(h, await signToken(h, { sub: 'u', channels: ['feed:*'] }));
    c.socket.emit('subscribe', { channel: 'feed:1' });
    c.socket.emit('subscribe', 'not an object');
    c.socket.emit('subscribe');
    c.socket.emit('unsubscribe', { channel: 'feed:2' });
    c.socket.emit('auth', { token: 'garbage' });
    c.socket.emit('auth', null);
    await sleep(200);
    expect(c.socket.connected).toBe(true);
    expect(c.disconnects).toBe(0);
    // The socket still works normally afterwards, and the garbage auth did not replace its token.
    expect(await c.subscribe('feed:3')).toMatchObject({ ok: true, channel: 'feed:3' });
    await publish(h, { channel: 'feed:3', event: 'works', data: null });
    await c.waitFor((m) => m.event === 'works');
    await stillServing(h);
  });

  it('a socket sending bad input does not disturb delivery to other sockets', async () => {
    const h = await startHerald();
    const noisy = await connect(h, await signToken(h, { sub: 'noisy', channels: ['feed:*'] }));
    const quiet = await connect(h, await signToken(h, { sub: 'quiet', channels: ['feed:*'] }));
    expect((await quiet.subscribe('feed:shared')).ok).toBe(true);
    for (const [, payload] of nonObjects) noisy.socket.emit('subscribe', payload, () => {});
    for (let i = 0; i < 20; i++) noisy.socket.emit('nonsense', i);
    await publish(h, { channel: 'feed:shared', event: 'delivered', data: null });
    await quiet.waitFor((m) => m.event === 'delivered');
    await stillServing(h);
  });
});
