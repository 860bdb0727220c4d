/**
 * The message writer's heads in memory (`src/store/sqlite/writer.ts`): under random transactions
 * that commit, fail, nest savepoints that fail or succeed, and appends outside a writer
 * transaction, every channel's seqs stay 1..head with no gap and no repeat, `channels.head` always
 * equals the last stored seq, and each append is handed the seq a plain reading of the table
 * would give.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { prng } from './prng.js';
import { openSqlite } from '../src/store/sqlite/open.js';
import { createMessageWriter } from '../src/store/sqlite/writer.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function database() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-writer-'));
  dirs.push(dir);
  const { db, kysely } = await openSqlite(path.join(dir, 'h.db'));
  return { db, close: () => kysely.destroy() };
}

class Planned extends Error {}

describe('message writer', () => {
  it('keeps seqs gap-free and channels.head exact through commits, rollbacks and failed savepoints', async () => {
    const { db, close } = await database();
    try {
      const writer = createMessageWriter(db);
      const storedHead = db.prepare<[string], { head: number }>('SELECT head FROM channels WHERE name = ?');
      const seqs = db.prepare<[string], { seq: number }>('SELECT seq FROM messages WHERE channel = ? ORDER BY seq');
      const channels = ['a:1', 'a:2', 'b:1', 'c:1', 'd:1'];
      /** What is committed, per channel: the last seq (the model). */
      const committed = new Map<string, number>();

      for (let seed = 1; seed <= 10; seed++) {
        const random = prng(seed);
        const pick = () => channels[Math.floor(random() * channels.length)]!;
        for (let step = 0; step < 300; step++) {
          // The model of the open transaction: levels of channel → head, outermost first.
          const levels: Map<string, number>[] = [];
          const current = (channel: string) => {
            for (let i = levels.length - 1; i >= 0; i--) if (levels[i]!.has(channel)) return levels[i]!.get(channel)!;
            return committed.get(channel) ?? 0;
          };
          const appendChecked = (channel: string) => {
            const expected = current(channel) + 1;
            const m = writer.append(channel, 'e', { step }, `{"step":${step}}`, 1);
            expect(m.seq, `seed ${seed} step ${step}`).toBe(expected);
            levels[levels.length - 1]!.set(channel, m.seq);
          };
          /** One level: some appends, maybe a nested level (which may fail), maybe a planned failure. */
          const body = (depth: number) => {
            for (let n = Math.floor(random() * 4); n > 0; n--) appendChecked(pick());
            if (depth < 3 && random() < 0.4) {
              levels.push(new Map());
              try {
                nested(depth + 1);
                const inner = levels.pop()!;
                for (const [c, s] of inner) levels[levels.length - 1]!.set(c, s);
              } catch (err) {
                if (!(err instanceof Planned)) throw err;
                levels.pop();
              }
              for (let n = Math.floor(random() * 3); n > 0; n--) appendChecked(pick());
            }
            if (random() < 0.25) throw new Planned();
          };
          const nested = writer.transaction((depth: number) => body(depth));
          const top = writer.transaction(() => body(0));

          const r = random();
          if (r < 0.1) {
            // An append outside any writer transaction (autocommit).
            const channel = pick();
            levels.push(new Map());
            appendChecked(channel);
            committed.set(channel, levels.pop()!.get(channel)!);
          } else {
            levels.push(new Map());
            try {
              top.immediate();
              for (const [c, s] of levels.pop()!) committed.set(c, s);
            } catch (err) {
              if (!(err instanceof Planned)) throw err;
              levels.pop();
            }
          }

          for (const channel of channels) {
            const head = committed.get(channel) ?? 0;
            expect(storedHead.get(channel)?.head ?? 0, `seed ${seed} step ${step} ${channel} head`).toBe(head);
            expect(
              seqs.all(channel).map((x) => x.seq),
              `seed ${seed} step ${step} ${channel} seqs`,
            ).toEqual(Array.from({ length: head }, (_, i) => i + 1));
          }
        }
      }
    } finally {
      await close();
    }
  });

  it('recovers when something else moved a head behind its back, after one failed transaction', async () => {
    const { db, close } = await database();
    try {
      const writer = createMessageWriter(db);
      const append = writer.transaction((channel: string) => writer.append(channel, 'e', null, 'null', 1).seq);
      expect(append.immediate('x:1')).toBe(1);
      // Another writer (not supported, but it must fail loudly, never lose or duplicate).
      createMessageWriter(db).append('x:1', 'e', null, 'null', 1);
      expect(() => append.immediate('x:1')).toThrow(/UNIQUE|PRIMARY KEY|constraint/i);
      expect(append.immediate('x:1')).toBe(3);
      const seqs = db.prepare('SELECT seq FROM messages WHERE channel = ? ORDER BY seq').pluck().all('x:1');
      expect(seqs).toEqual([1, 2, 3]);
    } finally {
      await close();
    }
  });
});
