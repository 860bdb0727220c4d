/**
 * One notification, once per user (issue 12): a notification addressed to several channels a user
 * reads (`to: ['user:alice', 'role:staff']`, Alice on staff) is one item of her inbox on every
 * device, counts one unread, raises one new-notification callback, and is read or deleted once;
 * another staff member has it once too, with his own state. Also when the copies arrive as replays
 * after the device was cut off.
 */
import { describe, expect, it } from 'vitest';
import {
  extraProxy,
  FAST,
  notify,
  serverInbox,
  sleep,
  startClient,
  startStack,
  summary,
  tokenFor,
  waitForSnapshot,
  type Client,
} from './harness.js';

/** Let late copies arrive (both channels' messages are handed out within milliseconds). */
const settle = () => sleep(400);

const ids = (c: Client) => c.herald.inbox.getSnapshot().items.map((n) => n.id);

describe('a notification addressed to several of a user’s channels', () => {
  it('is one item, one unread and one callback on each device; read and deleted once', async () => {
    const stack = await startStack();
    const { h, proxy } = stack;
    const aliceToken = await tokenFor(h, { sub: 'alice', roles: ['staff'] });
    const bobToken = await tokenFor(h, { sub: 'bob', roles: ['staff'] });
    const phone = startClient(proxy, { getToken: () => aliceToken, ...FAST });
    const laptop = startClient(await extraProxy(stack), { getToken: () => aliceToken, ...FAST });
    const bob = startClient(await extraProxy(stack), { getToken: () => bobToken, ...FAST });
    for (const c of [phone, laptop, bob]) await c.herald.inbox.ready();
    for (const c of [phone, laptop, bob]) await c.waitForState('live');

    const id = await notify(h, ['user:alice', 'role:staff'], 'order:created', 'Order 7 for table 5');
    for (const c of [phone, laptop, bob]) await waitForSnapshot(c, (s) => s.items.length === 1 && s.unread === 1, 'one item');
    await settle();
    for (const c of [phone, laptop]) {
      expect(ids(c)).toEqual([id]);
      expect(c.herald.inbox.getSnapshot().unread).toBe(1);
      expect(c.announced.map((n) => n.id)).toEqual([id]);
    }
    expect(bob.announced.map((n) => n.id)).toEqual([id]);
    expect((await serverInbox(h, aliceToken)).items.map((n) => n.id)).toEqual([id]);
    expect((await serverInbox(h, aliceToken)).count).toBe(1);

    // Read on the phone: once, on both devices; Bob's copy is his own.
    await phone.herald.inbox.markRead([id]);
    for (const c of [phone, laptop]) await waitForSnapshot(c, (s) => s.unread === 0 && s.items[0]?.readAt !== undefined, 'read');
    expect((await serverInbox(h, aliceToken)).count).toBe(0);
    expect((await serverInbox(h, bobToken)).count).toBe(1);

    // A reload announces nothing and shows one item.
    const reload = startClient(proxy, { getToken: () => aliceToken, storage: phone.storage, ...FAST });
    await reload.herald.inbox.ready();
    await settle();
    expect(summary(reload.herald.inbox.getSnapshot())).toMatchObject({ unread: 0, items: [{ id }] });
    expect(reload.announced).toEqual([]);
    await reload.close();

    // Deleted on the laptop: gone from both devices and from the server, for Alice only.
    await laptop.herald.inbox.delete([id]);
    for (const c of [phone, laptop]) await waitForSnapshot(c, (s) => s.items.length === 0, 'deleted');
    expect((await serverInbox(h, aliceToken)).items).toEqual([]);
    expect((await serverInbox(h, bobToken)).items.map((n) => n.id)).toEqual([id]);
    await settle();
    for (const c of [phone, laptop]) expect(c.announced.map((n) => n.id)).toEqual([id]);
  });

  it('arriving as two replays after a cut, it is still one item and one callback', async () => {
    const stack = await startStack();
    const { h, proxy } = stack;
    const token = await tokenFor(h, { sub: 'alice', roles: ['staff'] });
    const phone = startClient(proxy, { getToken: () => token, ...FAST });
    await phone.herald.inbox.ready();
    await phone.waitForState('live');
    await notify(h, ['user:alice'], 'note', 'before the cut');
    await waitForSnapshot(phone, (s) => s.items.length === 1, 'first note');

    // Offline: both copies are stored while the phone cannot connect, then replayed per channel.
    proxy.refuseAll(true);
    proxy.cutAll();
    await waitUntilNotLive(phone);
    const id = await notify(h, ['role:staff', 'user:alice', 'broadcast'], 'shift:changed', 'Shift moved to 18:00');
    proxy.refuseAll(false);
    await waitForSnapshot(phone, (s) => s.items.length === 2, 'the shared notification after the cut', 15_000);
    await settle();
    expect(ids(phone)[0]).toBe(id);
    // Shown with the first of its channels by name, as the server lists it.
    expect(phone.herald.inbox.getSnapshot().items[0]!.channel).toBe('broadcast');
    expect((await serverInbox(h, token)).items[0]!.channel).toBe('broadcast');
    expect(phone.herald.inbox.getSnapshot().unread).toBe(2);
    expect(phone.announced.filter((n) => n.id === id)).toHaveLength(1);
    expect((await serverInbox(h, token)).count).toBe(2);
  });
});

async function waitUntilNotLive(c: Client): Promise<void> {
  for (let i = 0; i < 200 && c.herald.state === 'live'; i++) await sleep(25);
  expect(c.herald.state).not.toBe('live');
}
