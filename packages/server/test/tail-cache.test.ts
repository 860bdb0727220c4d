/**
 * The tail cache (`src/store/sqlite/tail-cache.ts`) answers exactly what the store would: checked
 * against a plain array "store" under random appends, reads and retention, and it serves repeated
 * catch-up reads from memory.
 */
import type { Message } from '@herald/protocol';
import { describe, expect, it } from 'vitest';
import { prng } from './prng.js';
import { TailCache } from '../src/store/sqlite/tail-cache.js';

/** A store of committed messages per channel, read the way SQLite's `seq > ? ORDER BY seq LIMIT ?` does. */
function arrayStore() {
  const channels = new Map<string, Message[]>();
  let reads = 0;
  return {
    append(channel: string) {
      const list = channels.get(channel) ?? [];
      channels.set(channel, list);
      const seq = (list.at(-1)?.seq ?? 0) + 1;
      list.push({ id: `${channel}-${seq}`, channel, seq, event: 'e', data: { seq }, ts: seq });
    },
    head: (channel: string) => channels.get(channel)?.at(-1)?.seq ?? 0,
    pruneThrough(channel: string, seq: number) {
      channels.set(channel, (channels.get(channel) ?? []).filter((m) => m.seq > seq));
    },
    read(channel: string, after: number, limit: number): Message[] {
      reads++;
      return (channels.get(channel) ?? []).filter((m) => m.seq > after).slice(0, limit);
    },
    get reads() {
      return reads;
    },
  };
}

describe('tail cache', () => {
  it('serves many identical catch-up reads with one read of the source', () => {
    const store = arrayStore();
    for (let i = 0; i < 300; i++) store.append('live');
    const cache = new TailCache(store.read, { perChannel: 1000, total: 20_000 });
    for (let client = 0; client < 1000; client++) {
      expect(cache.read('live', 200, 1000, store.head('live')).map((m) => m.seq)).toEqual(Array.from({ length: 100 }, (_, i) => 201 + i));
    }
    expect(store.reads).toBe(1);
    // Newer messages are read once, then served too.
    for (let i = 0; i < 5; i++) store.append('live');
    for (let client = 0; client < 100; client++) expect(cache.read('live', 250, 1000, store.head('live'))).toHaveLength(55);
    expect(store.reads).toBe(2);
  });

  it('answers exactly what the store answers under random appends, reads and retention', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const random = prng(seed);
      const store = arrayStore();
      const cache = new TailCache(store.read, { perChannel: 40, total: 100 });
      const channels = ['a', 'b', 'c', 'd', 'e'];
      for (let step = 0; step < 3000; step++) {
        const channel = channels[Math.floor(random() * channels.length)]!;
        const r = random();
        if (r < 0.45) {
          const n = 1 + Math.floor(random() * 30);
          for (let i = 0; i < n; i++) store.append(channel);
        } else if (r < 0.48) {
          store.pruneThrough(channel, Math.floor(random() * store.head(channel)));
          cache.clear(); // what the store does after retention removed messages
        } else {
          const head = store.head(channel);
          const after = Math.max(0, head - Math.floor(random() * 80));
          const limit = 1 + Math.floor(random() * 60);
          const expected = store.read(channel, after, limit);
          expect(cache.read(channel, after, limit, head), `seed ${seed} step ${step}`).toEqual(expected);
        }
        expect(cache.cachedMessages).toBeLessThanOrEqual(100);
      }
    }
  });
});
