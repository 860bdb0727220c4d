/**
 * How a node tells that it missed other nodes' messages (`src/bus/membership.ts`): a skipped
 * packet number, a heartbeat ahead of the last packet received, a node gone silent; and what is
 * not a miss: the first packet heard from a node, a goodbye, packets after a reset.
 */
import { describe, expect, it } from 'vitest';
import { createMembership } from '../src/bus/membership.js';

const status = { connections: 1, subscriptions: 2, published: 3, delivered: 4 };

function setup() {
  const missed: string[] = [];
  return { missed, m: createMembership((reason) => missed.push(reason)) };
}

describe('membership', () => {
  it('takes the first packet or heartbeat of a node as its start, then reports skipped packets', () => {
    const { m, missed } = setup();
    m.onPackets('a', 'boot1', 7, 0);
    m.onPackets('a', 'boot1', 8, 1);
    expect(missed).toEqual([]);
    m.onPackets('a', 'boot1', 11, 2);
    expect(missed).toEqual(['packets 9-10 of node a lost']);
    m.onHeartbeat('b', 'boot1', 40, status, 3);
    m.onPackets('b', 'boot1', 41, 4);
    expect(missed).toHaveLength(1);
  });

  it('reports a heartbeat that says more packets were sent than received (a publish that failed)', () => {
    const { m, missed } = setup();
    m.onPackets('a', 'boot1', 1, 0);
    m.onHeartbeat('a', 'boot1', 1, status, 1);
    expect(missed).toEqual([]);
    m.onHeartbeat('a', 'boot1', 2, status, 2);
    expect(missed).toEqual(['node a sent packets up to 2, the last received is 1']);
    // Reported once: the next heartbeat with the same number is no news.
    m.onHeartbeat('a', 'boot1', 2, status, 3);
    expect(missed).toHaveLength(1);
  });

  it('reports a node not heard of within the timeout, once, and forgets it', () => {
    const { m, missed } = setup();
    m.onHeartbeat('a', 'boot1', 0, status, 0);
    m.onHeartbeat('b', 'boot1', 0, status, 0);
    m.onHeartbeat('b', 'boot1', 0, status, 900);
    m.expire(1000, 500);
    expect(missed).toEqual(['node a went silent']);
    expect(m.peers()).toEqual([{ id: 'b', self: false, ...status }]);
    m.expire(1001, 500);
    expect(missed).toHaveLength(1);
  });

  it('reports a node that restarted under the same id, and counts its packets from the new start', () => {
    const { m, missed } = setup();
    m.onPackets('a', 'boot1', 500, 0);
    m.onHeartbeat('a', 'boot2', 0, status, 1);
    expect(missed).toEqual(['node a restarted']);
    m.onPackets('a', 'boot2', 1, 2);
    m.onPackets('a', 'boot2', 3, 3);
    expect(missed).toEqual(['node a restarted', 'packet 2 of node a lost']);
  });

  it('forgets a node that said goodbye without reporting it', () => {
    const { m, missed } = setup();
    m.onHeartbeat('a', 'boot1', 3, status, 0);
    m.onBye('a');
    m.expire(10_000, 500);
    expect(m.peers()).toEqual([]);
    expect(missed).toEqual([]);
  });

  it('after a reset, takes the next packet of each node as its new start', () => {
    const { m, missed } = setup();
    m.onPackets('a', 'boot1', 1, 0);
    m.reset();
    m.onPackets('a', 'boot1', 5, 1);
    m.onHeartbeat('a', 'boot1', 5, status, 2);
    expect(missed).toEqual([]);
    m.onPackets('a', 'boot1', 7, 3);
    expect(missed).toEqual(['packet 6 of node a lost']);
  });
});
