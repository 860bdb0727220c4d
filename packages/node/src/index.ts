/**
 * `@herald/node`: Herald's server-side SDK. It needs only `fetch` and Web Crypto, so it runs in
 * Node 20+, Next.js route handlers and edge runtimes; `@herald/protocol` is used for types only.
 */
export { createHerald, DEFAULTS, type HeraldNodeClient } from './client.js';
export { HeraldError, HeraldBatchError, type HeraldErrorCode, type HeraldErrorInit } from './errors.js';
export type * from './types.js';
