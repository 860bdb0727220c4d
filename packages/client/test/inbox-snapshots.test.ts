/**
 * The inbox hands out a new snapshot only when something in it changed (issue 13): every snapshot
 * differs from the one before, so a React component re-renders once per real change, not again
 * when the server merely confirms the unread count ~200 ms later.
 */
import { describe, expect, it } from 'vitest';
import type { InboxSnapshot } from '../src/types.js';
import { FAST, notify, sleep, startClient, startStack, tokenFor, waitForSnapshot } from './harness.js';

describe('inbox snapshots', () => {
  it('are emitted once per change: never two identical ones in a row', async () => {
    const { h, proxy } = await startStack();
    const token = await tokenFor(h, { sub: 'ana', roles: ['staff'] });
    const client = startClient(proxy, { getToken: () => token, ...FAST });
    await client.herald.inbox.ready();
    await client.waitForState('live');
    const snapshots: InboxSnapshot[] = [];
    client.herald.inbox.subscribe(() => snapshots.push(client.herald.inbox.getSnapshot()));

    const first = await notify(h, ['user:ana'], 'order:created', 'Order 1');
    await waitForSnapshot(client, (s) => s.items.length === 1, 'first notification');
    // Longer than the unread-count confirmation that follows a notification:new.
    await sleep(600);
    expect(snapshots).toHaveLength(1);

    await notify(h, ['role:staff', 'user:ana'], 'shift:changed', 'Shift moved');
    await waitForSnapshot(client, (s) => s.items.length === 2, 'second notification');
    await client.herald.inbox.markRead([first]);
    await waitForSnapshot(client, (s) => s.unread === 1 && s.pendingActions === 0, 'read');
    await sleep(600);

    expect(snapshots.length).toBeGreaterThan(2);
    for (let i = 1; i < snapshots.length; i++) {
      expect(JSON.stringify(snapshots[i]), `snapshot ${i} repeats snapshot ${i - 1}`).not.toBe(JSON.stringify(snapshots[i - 1]));
    }
  });
});
