import type { DatabaseConfig } from '../config/index.js';
import { createPostgresStore } from './postgres/index.js';
import { createSqliteStore } from './sqlite/index.js';
import type { Store } from './store.js';

export type { Store, AppendRequest, AppendOutcome, ChannelState } from './store.js';
export { createSqliteStore } from './sqlite/index.js';
export { createPostgresStore, type PostgresOptions } from './postgres/index.js';
export type { InboxStore, InboxViewer, InboxChange, NewNotification, CreateOutcome } from './inbox-store.js';

export interface OpenStoreOptions {
  /**
   * Who this process is to the database: PostgreSQL's `application_name` (the server passes
   * `herald:<nodeId>`, which shows in `pg_stat_activity`). Ignored by SQLite.
   */
  applicationName?: string | undefined;
}

/** The store the configuration names. */
export async function openStore(database: DatabaseConfig, options: OpenStoreOptions = {}): Promise<Store> {
  switch (database.kind) {
    case 'sqlite':
      return createSqliteStore({ file: database.file });
    case 'postgres':
      return createPostgresStore({ url: database.url, poolSize: database.poolSize, applicationName: options.applicationName });
  }
}
