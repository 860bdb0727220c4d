export { parseConfig, ConfigError } from './parse.js';
export { applyDevDefaults, devCredentialsFile, readDevCredentials, type DevDefaults, type DevCredentials } from './dev-defaults.js';
export { parseDuration } from './duration.js';
export { explainStartupError, redactUrl } from './explain.js';
export type { HeraldConfig, RetentionRule, RetentionRules, DatabaseConfig } from './schema.js';
