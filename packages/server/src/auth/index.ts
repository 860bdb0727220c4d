export * from './principal.js';
export { isEntitled, inboxChannels } from './entitlement.js';
export { createApiKeyChecker, type ApiKeyChecker } from './api-keys.js';
export { createTokenVerifier, CLOCK_TOLERANCE_S, type TokenVerifier } from './jwt.js';
export { createAuthenticator, type Authenticator } from './authenticate.js';
