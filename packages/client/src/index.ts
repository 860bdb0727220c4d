export { createHerald, type HeraldClient } from './herald.js';
export { UnauthorizedError, HeraldRequestError } from './errors.js';
export { memoryStorage } from './storage.js';
export { fullJitter, type Backoff } from './backoff.js';
export type { InboxClient } from './inbox.js';
export type { LiveState, LiveStateOptions, LiveSnapshot, LiveStatus, LiveLoadResult, LiveLoadContext } from './live-state.js';
export type * from './types.js';
