/**
 * Inbox paging (SPEC §4 `GET /v1/inbox?…&before=<cursor>`): newest first, and a walk through the
 * pages sees exactly the inbox as it was when the first page was read — no item twice, none
 * missing — even while new notifications keep arriving on every channel the inbox is made of.
 * Filters (`status`, `archived`) page the same way.
 */
import { describe, expect, it } from 'vitest';
import { startHerald, type Herald } from './helpers.js';
import { actOk, expectStrictlyDescending, inbox, inboxAll, notify, user, type InboxPageBody } from './inbox-helpers.js';

const CHANNELS = ['user:alice', 'role:admin', 'broadcast', 'team:red'];

/**
 * Create `count` notifications spread over the inbox channels, 6 requests at a time. Some go to
 * two of alice's channels at once: still one item of her inbox each.
 */
async function createSpread(h: Herald, count: number, tag: string): Promise<string[]> {
  const bodies: Record<string, unknown>[] = [];
  for (let i = 0; bodies.length < count; i++) {
    const to = i % 7 === 3 ? [CHANNELS[i % 4]!, CHANNELS[(i + 1) % 4]!] : [CHANNELS[i % 4]!];
    bodies.push({ to, type: `kind:${i % 3}`, title: `${tag} #${i}` });
  }
  const ids: string[] = [];
  for (let i = 0; i < bodies.length; i += 6) {
    const answers = await Promise.all(bodies.slice(i, i + 6).map((b) => notify(h, b)));
    for (const refs of answers) {
      expect(new Set(refs.map((r) => r.id)).size).toBe(1);
      ids.push(refs[0]!.id);
    }
  }
  expect(ids).toHaveLength(count);
  return ids;
}

const sortDesc = (ids: string[]) => [...ids].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));

describe('inbox paging', () => {
  it('pages through a snapshot while notifications keep arriving: nothing skipped, nothing repeated, strictly newest first', async () => {
    const h = await startHerald();
    const alice = await user(h, 'alice', { roles: ['admin'], channels: ['team:red'] });
    const existing = await createSpread(h, 120, 'old');
    await notify(h, { to: ['user:bob', 'role:ops', 'team:blue'], type: 'other', title: 'not alice’s' });

    const pages: InboxPageBody[] = [await inbox(h, alice, { limit: 25 })];
    const arrived: string[] = [];
    let round = 0;
    while (pages[pages.length - 1]!.nextCursor !== null) {
      const before = pages[pages.length - 1]!.nextCursor!;
      // The next page is read while new notifications are being stored on every inbox channel.
      const [page, fresh] = await Promise.all([inbox(h, alice, { limit: 25, before }), createSpread(h, 5, `new-${round++}`)]);
      pages.push(page);
      arrived.push(...fresh);
      expect(pages.length).toBeLessThan(20);
    }

    expect(pages.map((p) => p.items.length)).toEqual([25, 25, 25, 25, 20]);
    const seen = pages.flatMap((p) => p.items.map((n) => n.id));
    expect(new Set(seen).size).toBe(seen.length);
    expectStrictlyDescending(seen);
    expect(seen).toEqual(sortDesc(existing));

    // The new notifications were really there during the walk, and are all newer than the snapshot.
    expect(arrived).toHaveLength(20);
    const now = await inboxAll(h, alice, {}, 100);
    expect(now.items.map((n) => n.id)).toEqual(sortDesc([...existing, ...arrived]));
    expect(now.pages[now.pages.length - 1]!.nextCursor).toBeNull();
    const oldest = sortDesc(arrived).at(-1)!;
    expect(existing.every((id) => id < oldest)).toBe(true);
  });

  it('pages through each status / archived filter exactly, newest first, while new items arrive', async () => {
    const h = await startHerald();
    const alice = await user(h, 'alice', { roles: ['admin'], channels: ['team:red'] });
    const ids = await createSpread(h, 60, 'item');
    const read = ids.filter((_, i) => i % 3 === 0);
    const archived = ids.filter((_, i) => i % 4 === 1 || i % 4 === 0);
    const deleted = ids.filter((_, i) => i % 5 === 2);
    await actOk(h, alice, 'read', { ids: read });
    await actOk(h, alice, 'archive', { ids: archived });
    await actOk(h, alice, 'delete', { ids: deleted });
    // Another admin's state must not leak into alice's filters.
    const ben = await user(h, 'ben', { roles: ['admin'] });
    await actOk(h, ben, 'read-all', {});

    const late: string[] = []; // created during the walks: unread, not archived
    const isRead = (id: string) => read.includes(id);
    const isArchived = (id: string) => archived.includes(id);
    /** What a filter must list, given everything stored so far. */
    const expectedFor = (status: string, arch: string) =>
      sortDesc(
        [...ids.filter((id) => !deleted.includes(id)), ...late].filter(
          (id) => (status === 'all' || (status === 'read') === isRead(id)) && (arch === 'all' || (arch === 'true') === isArchived(id)),
        ),
      );
    const cases: { status: string; archived: string }[] = [];
    for (const status of ['all', 'unread', 'read']) for (const arch of ['false', 'true', 'all']) cases.push({ status, archived: arch });
    expect(new Set(cases.map((c) => expectedFor(c.status, c.archived).length)).size).toBeGreaterThan(3);

    let round = 0;
    for (const c of cases) {
      for (const mode of ['small', 'exact'] as const) {
        // The snapshot: what the filter holds when its first page is read.
        const expected = expectedFor(c.status, c.archived);
        const limit = mode === 'small' ? 7 : Math.max(1, expected.length);
        const pages: InboxPageBody[] = [await inbox(h, alice, { status: c.status, archived: c.archived, limit })];
        while (pages[pages.length - 1]!.nextCursor !== null) {
          const before = pages[pages.length - 1]!.nextCursor!;
          const [page, fresh] = await Promise.all([
            inbox(h, alice, { status: c.status, archived: c.archived, limit, before }),
            createSpread(h, 2, `late-${round++}`),
          ]);
          pages.push(page);
          late.push(...fresh);
          expect(pages.length).toBeLessThan(30);
        }
        const what = `status=${c.status} archived=${c.archived} limit=${limit}`;
        const got = pages.flatMap((p) => p.items.map((n) => n.id));
        expect(got, what).toEqual(expected);
        // Full pages until the last, and no empty page after an exactly full one.
        const sizes = pages.map((p) => p.items.length);
        expect(sizes.slice(0, -1).every((s) => s === limit), what).toBe(true);
        if (expected.length > 0) expect(sizes[sizes.length - 1], what).toBeGreaterThan(0);
        expect(Math.ceil(expected.length / limit) || 1, what).toBe(pages.length);
        for (const n of pages.flatMap((p) => p.items)) {
          expect(n.readAt !== undefined, `${what} readAt`).toBe(isRead(n.id));
          expect(n.archivedAt !== undefined, `${what} archivedAt`).toBe(isArchived(n.id));
        }
      }
    }
  });

  it('the limit defaults to 50 and goes up to 100', async () => {
    const h = await startHerald();
    const alice = await user(h, 'alice', { roles: ['admin'], channels: ['team:red'] });
    const ids = sortDesc(await createSpread(h, 130, 'n'));
    const first = await inbox(h, alice);
    expect(first.items.map((n) => n.id)).toEqual(ids.slice(0, 50));
    expect(first.nextCursor).not.toBeNull();
    const big = await inbox(h, alice, { limit: 100 });
    expect(big.items.map((n) => n.id)).toEqual(ids.slice(0, 100));
    const rest = await inbox(h, alice, { limit: 100, before: big.nextCursor! });
    expect(rest.items.map((n) => n.id)).toEqual(ids.slice(100));
    expect(rest.nextCursor).toBeNull();
    expect(first.unread).toBe(130);
    expect(rest.unread).toBe(130);
  });
});
