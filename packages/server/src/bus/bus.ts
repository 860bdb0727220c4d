/**
 * The bus carries stored messages from the node that stored them to every node's gateway and
 * long-polls. One node: in-process ({@link createMemoryBus}). Several nodes: Redis
 * (`redis-bus.ts`).
 *
 * What every implementation must keep (the gateway and the sync service rely on it):
 * - `publish` never throws and never waits: a failure is logged and counted, and the bus makes
 *   sure the other nodes learn that they may have missed something (see `onMissed`).
 * - A node's own messages reach its own listeners synchronously, in the order published.
 * - Messages of other nodes may arrive late, out of order, twice or never: the bus does not
 *   promise delivery. The store does. Listeners order by `seq` and fill gaps from the store.
 * - Whenever this node may have missed messages of other nodes without a later message showing a
 *   gap (it reconnected to the bus, another node stopped or failed to publish, a node's packet
 *   numbering skipped), `onMissed` listeners are called: they compare what they delivered with
 *   the store's heads.
 */
import type { Message } from '@herald/protocol';

export type BusListener = (messages: readonly Message[]) => void;

/** What a node reports about itself in its heartbeats (for cluster-wide `/v1/stats`). */
export interface NodeStatus {
  connections: number;
  subscriptions: number;
  /** Messages this node stored since it started. */
  published: number;
  /** Messages this node sent to clients since it started. */
  delivered: number;
}

/** A node of the cluster as last heard of. */
export interface NodeInfo extends NodeStatus {
  id: string;
  /** This node. */
  self: boolean;
}

/** A question asked of every other node (presence); each node's handler answers it. */
export type AnswerHandler = (question: unknown) => unknown;

export interface Bus {
  /** This node's id (`HERALD_NODE_ID`, or generated at start). */
  readonly nodeId: string;
  /** Hand freshly stored messages to every listener on every node. Never throws. */
  publish(messages: readonly Message[]): void;
  /** Listen for messages (this node's and the others'); returns the function that stops listening. */
  subscribe(listener: BusListener): () => void;
  /** Called with a reason when this node may have missed messages of other nodes. */
  onMissed(listener: (reason: string) => void): () => void;
  /** The nodes alive now, this one included. */
  nodes(): NodeInfo[];
  /**
   * Ask every other live node `question` under `topic`; resolves with the answers that arrived
   * within `timeoutMs` (fewer when a node does not answer in time).
   */
  ask(topic: string, question: unknown, timeoutMs?: number): Promise<unknown[]>;
  /** Answer other nodes' questions under `topic`. */
  answer(topic: string, handler: AnswerHandler): void;
  /** Resolves when the bus is reachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The single-node bus: listeners are called synchronously, in publish order. */
export function createMemoryBus(nodeId: string, status: () => NodeStatus): Bus {
  const listeners = new Set<BusListener>();
  return {
    nodeId,
    publish(messages) {
      for (const l of listeners) l(messages);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onMissed: () => () => {},
    nodes: () => [{ id: nodeId, self: true, ...status() }],
    ask: async () => [],
    answer() {},
    async ping() {},
    async close() {
      listeners.clear();
    },
  };
}
