import type { DatabaseConfig } from '../config/index.js';
import { createSqliteStore } from './sqlite/index.js';
import type { Store } from './store.js';

export type { Store, AppendRequest, AppendOutcome, ChannelState } from './store.js';
export { createSqliteStore } from './sqlite/index.js';
export type { InboxStore, InboxViewer, InboxChange, NewNotification, CreateOutcome } from './inbox-store.js';

/** The store the configuration names. */
export async function openStore(database: DatabaseConfig): Promise<Store> {
  switch (database.kind) {
    case 'sqlite':
      return createSqliteStore({ file: database.file });
    case 'postgres':
      throw new Error('The PostgreSQL store is not available in this release');
  }
}
