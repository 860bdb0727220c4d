import os from 'node:os';
import type { HeraldConfig } from '../config/index.js';
import { createMemoryBus, type Bus, type NodeStatus } from './bus.js';
import { createRedisBus, generatedNodeId } from './redis-bus.js';

export type { Bus, BusListener, NodeInfo, NodeStatus, AnswerHandler } from './bus.js';
export { createMemoryBus } from './bus.js';

export interface BusDeps {
  /** This node's status for the others (heartbeats) and for `nodes()`. */
  status: () => NodeStatus;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  onPublishFailed(): void;
  onMissed(reason: string): void;
}

/** This node's id: `HERALD_NODE_ID`, or one made of host, process and a random part. */
export function nodeIdOf(config: Pick<HeraldConfig, 'nodeId'>): string {
  return config.nodeId ?? generatedNodeId(os.hostname(), process.pid);
}

/** The bus the configuration names: Redis when `HERALD_REDIS_URL` is set, else in-process. */
export async function openBus(config: HeraldConfig, nodeId: string, deps: BusDeps): Promise<Bus> {
  if (config.redisUrl === undefined) return createMemoryBus(nodeId, deps.status);
  return createRedisBus({ url: config.redisUrl, prefix: config.redisPrefix, nodeId, ...deps });
}
