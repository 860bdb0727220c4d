import type { CursorStorage } from './types.js';

/** Storage that lives as long as the object (Node scripts, tests, private browsing). */
export function memoryStorage(): CursorStorage {
  const map = new Map<string, string>();
  return {
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  };
}

/** `localStorage` when the platform has a working one, else memory. */
export function defaultStorage(): CursorStorage {
  try {
    const ls = (globalThis as { localStorage?: CursorStorage }).localStorage;
    if (ls) {
      ls.setItem('herald:probe', '1');
      ls.removeItem('herald:probe');
      return ls;
    }
  } catch {
    // Storage disabled (privacy settings, quota): fall back to memory.
  }
  return memoryStorage();
}
