/**
 * The machine's Redis as tests use it: its URL (`HERALD_TEST_REDIS_URL`), a prefix of their own
 * per test so runs never hear each other, and cutting one node's subscriber connection the way a
 * network blip would. Tests that must stop or restart Redis start their own server instead.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';

export const REDIS_URL = process.env.HERALD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A `HERALD_REDIS_PREFIX` no other test uses. */
export const freshPrefix = () => `herald-test-${randomBytes(6).toString('hex')}:`;

let admin: Redis | undefined;
afterAll(() => admin?.disconnect());

/** Kill node `nodeId`'s subscriber connection on the Redis server (ioredis then reconnects). */
export async function killSubscriber(nodeId: string): Promise<void> {
  admin ??= new Redis(REDIS_URL);
  const list = (await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
  const line = list.split('\n').find((l) => l.includes(` name=herald:${nodeId} `));
  if (!line) throw new Error(`no subscriber connection of node ${nodeId}`);
  await admin.client('KILL', 'ID', /id=(\d+)/.exec(line)![1]!);
}
