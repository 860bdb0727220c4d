export { createServer, type HeraldServer } from './server.js';
export { parseConfig, applyDevDefaults, ConfigError, type HeraldConfig } from './config/index.js';
export type { Store, AppendRequest, AppendOutcome, ChannelState } from './store/index.js';
export { createSqliteStore } from './store/index.js';
