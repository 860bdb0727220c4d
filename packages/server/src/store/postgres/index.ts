import type { Store } from '../store.js';
import { createClock } from './append.js';
import { createPostgresChannelStore } from './channel-store.js';
import { guarded } from './errors.js';
import { createPostgresInboxStore } from './inbox-store.js';
import { openPostgres, type PostgresOptions } from './open.js';
import { pruneChannels, withPruneLock } from './retention.js';

export type { PostgresOptions } from './open.js';

/**
 * The store for several Herald nodes on one PostgreSQL database: channels and inbox in the same
 * database, tables migrated on open (safe when several nodes start at once).
 * @example
 * const store = await createPostgresStore({ url: 'postgres://herald@db/herald', poolSize: 10, applicationName: 'herald:n1' });
 */
export async function createPostgresStore(options: PostgresOptions): Promise<Store> {
  const { kysely } = await openPostgres(options);
  const clock = createClock();
  // Groups in flight at once: enough to overlap one group's commit with the next one's statements,
  // while leaving most of the pool to reads.
  const groupsInFlight = Math.max(1, Math.min(4, Math.floor((options.poolSize ?? 10) / 2)));
  const channels = createPostgresChannelStore(kysely, clock, { groupsInFlight });
  const inbox = createPostgresInboxStore(kysely, clock);
  return {
    ...channels,
    inbox,
    prune(rules, now) {
      return guarded(async () => {
        const done = await withPruneLock(kysely, async (db) => {
          const notifications = await inbox.prune(now);
          return { ...(await pruneChannels(db, rules, now)), notifications };
        });
        // Another node holds the lock and is pruning the same database right now.
        return done ?? { messages: 0, idempotencyKeys: 0, notifications: 0 };
      });
    },
    async close() {
      await kysely.destroy();
    },
  };
}
