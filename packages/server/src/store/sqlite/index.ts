import type { Store } from '../store.js';
import { createSqliteChannelStore } from './channel-store.js';
import { createIdempotencyTable } from './idempotency.js';
import { createSqliteInboxStore } from './inbox-store.js';
import { openSqlite } from './open.js';
import { createMessageWriter } from './writer.js';

export interface SqliteStoreOptions {
  /** Database file, or `:memory:`. Its folder is created when missing. */
  file: string;
}

/** The embedded default store: channels and inbox in one SQLite file. */
export async function createSqliteStore({ file }: SqliteStoreOptions): Promise<Store> {
  const { db, kysely } = await openSqlite(file);
  const writer = createMessageWriter(db);
  const idempotency = createIdempotencyTable(db);
  const channels = createSqliteChannelStore(db, kysely, writer, idempotency);
  const inbox = createSqliteInboxStore(db, writer, idempotency);
  return {
    ...channels,
    inbox,
    async prune(rules, now) {
      const notifications = await inbox.prune(now);
      return { ...(await channels.prune(rules, now)), notifications };
    },
    async close() {
      await kysely.destroy();
    },
  };
}
