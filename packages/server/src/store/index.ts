import type { DatabaseConfig } from '../config/index.js';
import { createSqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

export type { Store, AppendRequest, AppendOutcome, ChannelState } from './store.js';
export { createSqliteStore } from './sqlite-store.js';

/** The store the configuration names. */
export async function openStore(database: DatabaseConfig): Promise<Store> {
  switch (database.kind) {
    case 'sqlite':
      return createSqliteStore({ file: database.file });
    case 'postgres':
      throw new Error('The PostgreSQL store is not available in this release');
  }
}
