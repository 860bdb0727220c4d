/**
 * Entitlement (SPEC §2): a publish reaches every entitled subscriber and no one else, over user,
 * role, application (exact grant and `ns:*`) and broadcast channels; refused subscriptions and
 * refused HTTP reads answer CHANNEL_FORBIDDEN.
 */
import { describe, expect, it } from 'vitest';
import { connect, history, historyPath, publish, request, signToken, sleep, startHerald, type Client } from './helpers.js';

describe('delivery matrix', () => {
  it('a publish reaches every entitled subscriber and no one else', async () => {
    const h = await startHerald();
    // alice: admin, exact grant restaurant:7 · bob: kitchen, namespace grant restaurant:*
    // carol: near-miss grants (restaurants:7, the bare namespace restaurant) · dave: nothing.
    const alice = await connect(h, await signToken(h, { sub: 'alice', roles: ['admin'], channels: ['restaurant:7'] }));
    const bob = await connect(h, await signToken(h, { sub: 'bob', roles: ['kitchen'], channels: ['restaurant:*'] }));
    const carol = await connect(h, await signToken(h, { sub: 'carol', channels: ['restaurants:7', 'restaurant'] }));
    const dave = await connect(h, await signToken(h, { sub: 'dave' }));
    const everyone: Record<string, Client> = { alice, bob, carol, dave };

    // Application channels need a subscribe; entitled ones succeed.
    for (const [client, channel] of [
      [alice, 'restaurant:7'],
      [bob, 'restaurant:7'],
      [bob, 'restaurant:8'],
      [carol, 'restaurants:7'],
      [carol, 'restaurant'],
    ] as const) {
      const ack = await client.subscribe(channel);
      expect(ack, `${channel} for ${client === alice ? 'alice' : client === bob ? 'bob' : 'carol'}`).toMatchObject({
        ok: true,
        channel,
        head: 0,
        messages: [],
      });
    }
    // Non-entitled subscriptions are refused with CHANNEL_FORBIDDEN.
    for (const [client, channel] of [
      [carol, 'restaurant:7'], // neither an exact nor a namespace grant for it
      [dave, 'restaurant:7'],
      [alice, 'restaurant:8'], // exact grant covers only restaurant:7
      [bob, 'restaurant'], // restaurant:* does not cover the bare namespace
      [bob, 'restaurants:7'], // nor a namespace that merely starts the same
      [alice, 'user:bob'], // someone else's user channel
      [dave, 'role:admin'], // a role the token does not hold
      [alice, 'role:kitchen'],
    ] as const) {
      const ack = await client.subscribe(channel);
      expect(ack.ok, channel).toBe(false);
      expect(ack.error.code, channel).toBe('CHANNEL_FORBIDDEN');
    }

    const sends: [string, string][] = [
      ['user:alice', 'to-alice'],
      ['user:bob', 'to-bob'],
      ['user:nobody', 'to-nobody'],
      ['role:admin', 'to-admins'],
      ['role:kitchen', 'to-kitchen'],
      ['role:guest', 'to-guests'],
      ['restaurant:7', 'to-restaurant-7'],
      ['restaurant:8', 'to-restaurant-8'],
      ['restaurants:7', 'to-restaurants-7'],
      ['restaurant', 'to-restaurant-bare'],
      ['restaurant:9', 'to-restaurant-9'],
    ];
    for (const [channel, event] of sends) await publish(h, { channel, event, data: { channel } });
    // Positive control: a later broadcast every client receives. Once it has arrived, anything
    // published earlier to a client would have arrived too.
    await publish(h, { channel: 'broadcast', event: 'to-everyone', data: null });
    for (const [name, c] of Object.entries(everyone)) await c.waitFor((m) => m.event === 'to-everyone', 5000, `broadcast at ${name}`);
    await sleep(100);

    const expected: Record<string, string[]> = {
      alice: ['to-alice', 'to-admins', 'to-restaurant-7', 'to-everyone'],
      bob: ['to-bob', 'to-kitchen', 'to-restaurant-7', 'to-restaurant-8', 'to-everyone'],
      carol: ['to-restaurants-7', 'to-restaurant-bare', 'to-everyone'],
      dave: ['to-everyone'],
    };
    for (const [name, c] of Object.entries(everyone)) {
      expect(c.received.map((m) => m.event), name).toEqual(expected[name]);
    }
  });

  it('sockets are subscribed on connect to user:{sub}, each role:{r} and broadcast, live from head without replay', async () => {
    const h = await startHerald();
    await publish(h, { channel: 'user:erin', event: 'old', data: 1 });
    await publish(h, { channel: 'role:ops', event: 'old', data: 1 });
    await publish(h, { channel: 'broadcast', event: 'old', data: 1 });
    const erin = await connect(h, await signToken(h, { sub: 'erin', roles: ['ops', 'billing'] }));
    await publish(h, { channel: 'user:erin', event: 'new-user', data: 2 });
    await publish(h, { channel: 'role:ops', event: 'new-ops', data: 2 });
    await publish(h, { channel: 'role:billing', event: 'new-billing', data: 1 });
    await publish(h, { channel: 'broadcast', event: 'new-broadcast', data: 2 });
    await erin.waitFor((m) => m.event === 'new-broadcast');
    expect(erin.received.map((m) => [m.channel, m.seq, m.event])).toEqual([
      ['user:erin', 2, 'new-user'],
      ['role:ops', 2, 'new-ops'],
      ['role:billing', 1, 'new-billing'],
      ['broadcast', 2, 'new-broadcast'],
    ]);
  });

  it('two sockets of the same user both receive its user channel', async () => {
    const h = await startHerald();
    const token = await signToken(h, { sub: 'multi' });
    const phone = await connect(h, token);
    const laptop = await connect(h, token);
    await publish(h, { channel: 'user:multi', event: 'ping', data: null });
    await phone.waitFor((m) => m.event === 'ping');
    await laptop.waitFor((m) => m.event === 'ping');
  });

  it('after unsubscribe a socket no longer receives the channel (acked { ok: true })', async () => {
    const h = await startHerald();
    const c = await connect(h, await signToken(h, { sub: 'u', channels: ['news:*'] }));
    expect((await c.subscribe('news:1')).ok).toBe(true);
    await publish(h, { channel: 'news:1', event: 'before', data: null });
    await c.waitFor((m) => m.event === 'before');
    expect(await c.ack('unsubscribe', { channel: 'news:1' })).toEqual({ ok: true });
    await publish(h, { channel: 'news:1', event: 'after', data: null });
    await publish(h, { channel: 'user:u', event: 'control', data: null });
    await c.waitFor((m) => m.event === 'control');
    await sleep(100);
    expect(c.events('news:1')).toEqual(['before']);
  });
});

describe('HTTP reads', () => {
  it('history answers an entitled JWT and the API key, and refuses a non-entitled JWT with 403 CHANNEL_FORBIDDEN', async () => {
    const h = await startHerald();
    await publish(h, { channel: 'shop:1', event: 'e', data: 1 });
    await publish(h, { channel: 'user:owner', event: 'e', data: 1 });
    const granted = await signToken(h, { sub: 'owner', channels: ['shop:*'] });
    const stranger = await signToken(h, { sub: 'stranger', channels: ['shops:*', 'shop'] });
    expect((await history(h, 'shop:1', 0, 100, granted)).head).toBe(1);
    expect((await history(h, 'user:owner', 0, 100, granted)).head).toBe(1);
    expect((await history(h, 'shop:1', 0, 100)).head).toBe(1);
    for (const channel of ['shop:1', 'user:owner']) {
      const res = await request(h, 'GET', historyPath(channel, 'since=0'), undefined, { auth: stranger });
      expect(res.status, channel).toBe(403);
      expect(res.body.error.code, channel).toBe('CHANNEL_FORBIDDEN');
    }
  });

  it('presence lists the clients and users subscribed to a channel, and follows disconnects', async () => {
    const h = await startHerald();
    const a = await connect(h, await signToken(h, { sub: 'pa', channels: ['room:1'] }));
    const b1 = await connect(h, await signToken(h, { sub: 'pb', channels: ['room:*'] }));
    const b2 = await connect(h, await signToken(h, { sub: 'pb', channels: ['room:*'] }));
    await connect(h, await signToken(h, { sub: 'pc', channels: ['room:*'] })); // connected, not subscribed
    for (const c of [a, b1, b2]) expect((await c.subscribe('room:1')).ok).toBe(true);
    const path = `/v1/channels/${encodeURIComponent('room:1')}/presence`;
    const res = await request(h, 'GET', path);
    expect(res.status).toBe(200);
    expect(res.body.clients).toBe(3);
    expect([...res.body.users].sort()).toEqual(['pa', 'pb']);
    b1.socket.disconnect();
    b2.socket.disconnect();
    let after: any;
    const deadline = Date.now() + 3000;
    do {
      after = (await request(h, 'GET', path)).body;
      if (after.clients === 1) break;
      await sleep(50);
    } while (Date.now() < deadline);
    expect(after).toMatchObject({ clients: 1, users: ['pa'] });
    const forbidden = await request(h, 'GET', path, undefined, { auth: await signToken(h, { sub: 'x' }) });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('CHANNEL_FORBIDDEN');
  });
});
