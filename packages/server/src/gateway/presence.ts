/**
 * Presence over the whole cluster: this node's registry, plus every other node's answer to the
 * same question over the bus (a node that does not answer within the timeout is left out).
 */
import type { Bus } from '../bus/index.js';
import type { Registry } from './registry.js';

export const PRESENCE_TOPIC = 'presence';
/** How long a presence request waits for the other nodes. */
const PRESENCE_TIMEOUT_MS = 1000;

export interface Presence {
  clients: number;
  users: string[];
}

/** This node's answer to another node's presence question (anything malformed gets nothing). */
export function answerPresence(registry: Registry, question: unknown): Presence {
  const channel = (question as { channel?: unknown } | null)?.channel;
  return typeof channel === 'string' ? registry.presence(channel) : { clients: 0, users: [] };
}

const isPresence = (a: unknown): a is Presence =>
  typeof (a as Presence | null)?.clients === 'number' && Array.isArray((a as Presence).users);

export async function clusterPresence(registry: Registry, bus: Bus, channel: string): Promise<Presence> {
  const own = registry.presence(channel);
  const answers = (await bus.ask(PRESENCE_TOPIC, { channel }, PRESENCE_TIMEOUT_MS)).filter(isPresence);
  if (answers.length === 0) return own;
  const users = new Set(own.users);
  let clients = own.clients;
  for (const a of answers) {
    clients += a.clients;
    for (const u of a.users) if (typeof u === 'string') users.add(u);
  }
  return { clients, users: [...users].sort() };
}
