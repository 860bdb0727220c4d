/**
 * What a node knows of the other nodes, from what they send on the bus: who is alive (heartbeats),
 * their last status, and whether a packet of theirs went missing.
 *
 * Every node numbers its message packets 1, 2, 3… and its heartbeats carry the number of the
 * last one it sent (or tried to send). A receiver that sees a number skip, or a heartbeat ahead of
 * the last packet it got, has lost messages on the bus; so has one that stops hearing a node (it
 * may have died between storing messages and sending them). Either way the receiver is told to
 * compare what it delivered with the store.
 */
import type { NodeInfo, NodeStatus } from './bus.js';

interface Peer {
  /** Which start of the node: a node restarted under the same id numbers its packets from 1 again. */
  boot: string;
  /** Number of the last message packet received from it; undefined until the first packet after a reset. */
  lastPacket: number | undefined;
  lastSeen: number;
  status: NodeStatus;
}

const EMPTY: NodeStatus = { connections: 0, subscriptions: 0, published: 0, delivered: 0 };

export interface Membership {
  /**
   * A message packet numbered `packet` from `node` (started as `boot`); calls `missed` when
   * packets were lost before it.
   */
  onPackets(node: string, boot: string, packet: number, now: number): void;
  /** A heartbeat: `node` (started as `boot`) had sent packets up to `lastPacket`. */
  onHeartbeat(node: string, boot: string, lastPacket: number, status: NodeStatus, now: number): void;
  /** `node` said goodbye: it stopped after publishing everything. */
  onBye(node: string): void;
  /** Drop nodes not heard of since `now - timeoutMs`; calls `missed` for each. */
  expire(now: number, timeoutMs: number): void;
  /**
   * This node's subscription to the bus was re-established and everything before it is being
   * re-read from the store: forget packet numbers, the next packet of each node is the new start.
   */
  reset(): void;
  peers(): NodeInfo[];
}

export function createMembership(missed: (reason: string) => void): Membership {
  const peers = new Map<string, Peer>();

  const peer = (node: string, boot: string, now: number): Peer => {
    let p = peers.get(node);
    if (p && p.boot !== boot) {
      // The node restarted before anyone noticed it was gone: what its previous run stored but
      // never sent is only in the store.
      missed(`node ${node} restarted`);
      p = undefined;
    }
    if (!p) peers.set(node, (p = { boot, lastPacket: undefined, lastSeen: now, status: EMPTY }));
    p.lastSeen = now;
    return p;
  };

  return {
    onPackets(node, boot, packet, now) {
      const p = peer(node, boot, now);
      // Packets from one node arrive in the order it sent them (one connection, one channel).
      if (p.lastPacket !== undefined && packet > p.lastPacket + 1) {
        const [from, to] = [p.lastPacket + 1, packet - 1];
        missed(`${from === to ? `packet ${from}` : `packets ${from}-${to}`} of node ${node} lost`);
      }
      if (p.lastPacket === undefined || packet > p.lastPacket) p.lastPacket = packet;
    },
    onHeartbeat(node, boot, lastPacket, status, now) {
      const p = peer(node, boot, now);
      p.status = status;
      if (p.lastPacket === undefined) p.lastPacket = lastPacket;
      else if (lastPacket > p.lastPacket) {
        missed(`node ${node} sent packets up to ${lastPacket}, the last received is ${p.lastPacket}`);
        p.lastPacket = lastPacket;
      }
    },
    onBye(node) {
      peers.delete(node);
    },
    expire(now, timeoutMs) {
      for (const [node, p] of peers) {
        if (now - p.lastSeen > timeoutMs) {
          peers.delete(node);
          missed(`node ${node} went silent`);
        }
      }
    },
    reset() {
      for (const p of peers.values()) p.lastPacket = undefined;
    },
    peers: () => [...peers].map(([id, p]) => ({ id, self: false, ...p.status })),
  };
}
