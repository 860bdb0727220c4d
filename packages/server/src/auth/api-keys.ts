import { createHash, timingSafeEqual } from 'node:crypto';

/** Checks API keys in constant time (keys are compared as SHA-256 digests). */
export interface ApiKeyChecker {
  isValid(candidate: string): boolean;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export function createApiKeyChecker(keys: readonly string[]): ApiKeyChecker {
  const digests = keys.map(digest);
  return {
    isValid(candidate) {
      const d = digest(candidate);
      let ok = false;
      for (const k of digests) ok = timingSafeEqual(k, d) || ok;
      return ok;
    },
  };
}
