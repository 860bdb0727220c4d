/**
 * Channels on PostgreSQL: appends with group commit, and reads.
 *
 * Group commit as on SQLite: appends that arrive within one event-loop turn share one transaction
 * (a handful of statements however many messages: keys claimed, heads moved and messages stored,
 * answers remembered; without idempotency keys, one statement that commits by itself), and each
 * caller is answered with its own outcomes once it has committed.
 * Unlike SQLite, several groups may be in flight at once on different pool connections: while one
 * waits for its commit the next one is already running. Their order per channel is still safe:
 * each group locks the channel rows it appends to (see `append.ts`), so seqs follow commit order.
 *
 * Neither the SQLite tail cache nor heads in memory are used here: both assume this process is the
 * only writer, and with other nodes writing the same database they would answer stale heads (and
 * would miss another node's retention). Reads go to PostgreSQL, which answers them from its own
 * cache.
 */
import { sql, type Kysely } from 'kysely';
import type { Message, PublishedRef } from '@herald/protocol';
import { toMessage, type MessageRow } from '../rows.js';
import type { AppendOutcome, AppendRequest, ChannelState, Store } from '../store.js';
import { appendMessages, type Clock, type NewMessage, type Tx } from './append.js';
import { guarded, isConnectionError, mapError } from './errors.js';
import { answerOf, claimKeys, rememberKeys, type Taken } from './idempotency.js';


/** A group takes callers until it holds this many messages (then the next group starts). */
const GROUP_MESSAGES = 10_000;

interface Caller {
  requests: readonly AppendRequest[];
  resolve(outcomes: AppendOutcome[]): void;
  reject(err: unknown): void;
}

/** Messages a caller may store. */
const weight = (c: Caller) => c.requests.reduce((n, r) => n + r.channels.length, 0);

export type PostgresChannelStore = Pick<Store, 'append' | 'read' | 'readLatest' | 'channelStates' | 'ping'>;

/** Store `requests` in one transaction, in order; answers one outcome per request. */
async function appendTx(tx: Tx, requests: readonly AppendRequest[], clock: Clock): Promise<AppendOutcome[]> {
  const now = clock.now();
  // The first request with a key claims it; later ones in the same group answer from it.
  const keys = new Map<string, string>();
  for (const r of requests) if (r.idempotency && !keys.has(r.idempotency.key)) keys.set(r.idempotency.key, r.idempotency.fingerprint);
  const seen: Map<string, Taken> = keys.size > 0 ? await claimKeys(tx, keys, now) : new Map();
  const storing = new Set<AppendRequest>();
  const owners = new Map<string, AppendRequest>();
  for (const r of requests) {
    const key = r.idempotency?.key;
    if (key === undefined) storing.add(r);
    else if (!seen.has(key) && !owners.has(key)) {
      owners.set(key, r);
      storing.add(r);
    }
  }
  const items: NewMessage[] = [];
  for (const r of storing) for (const channel of r.channels) items.push({ channel, event: r.event, data: r.data, dataJson: r.dataJson });
  const stored = await appendMessages(tx, items, now, clock);
  const messagesOf = new Map<AppendRequest, Message[]>();
  let at = 0;
  for (const r of storing) {
    messagesOf.set(r, stored.slice(at, at + r.channels.length));
    at += r.channels.length;
  }
  const refsOf = (ms: Message[]): PublishedRef[] => ms.map(({ channel, seq, id }) => ({ channel, seq, id }));
  const answers = new Map<string, PublishedRef[]>();
  for (const [key, owner] of owners) answers.set(key, refsOf(messagesOf.get(owner)!));
  await rememberKeys(tx, answers);
  return requests.map((r): AppendOutcome => {
    const messages = messagesOf.get(r);
    if (messages) return { kind: 'stored', messages };
    const { key, fingerprint } = r.idempotency!;
    // Taken before this transaction, or by an earlier request of this same transaction.
    const taken = seen.get(key) ?? { fingerprint: owners.get(key)!.idempotency!.fingerprint, refs: answers.get(key)! };
    return answerOf(taken, fingerprint);
  });
}

export function createPostgresChannelStore(kysely: Kysely<any>, clock: Clock, options: { groupsInFlight: number }): PostgresChannelStore {
  const run = (requests: readonly AppendRequest[]): Promise<AppendOutcome[]> => {
    if (requests.some((r) => r.idempotency)) return kysely.transaction().execute((tx) => appendTx(tx, requests, clock));
    // Without keys the whole group is one statement, which commits by itself: one round trip.
    return appendPlain(requests);
  };
  const appendPlain = async (requests: readonly AppendRequest[]): Promise<AppendOutcome[]> => {
    const items = requests.flatMap((r) => r.channels.map((channel): NewMessage => ({ channel, event: r.event, data: r.data, dataJson: r.dataJson })));
    const stored = await appendMessages(kysely, items, clock.now(), clock);
    let at = 0;
    return requests.map((r) => ({ kind: 'stored', messages: stored.slice(at, (at += r.channels.length)) }));
  };

  let waiting: Caller[] = [];
  let scheduled = false;
  let inFlight = 0;

  const commitGroup = async (callers: Caller[]) => {
    let outcomes: AppendOutcome[];
    try {
      outcomes = await run(callers.flatMap((c) => c.requests));
    } catch (err) {
      // A lost connection may have lost the commit's answer, not the commit: retrying could store
      // twice, so every caller hears UNAVAILABLE. Any other failure rolled the whole group back:
      // retry each caller alone so one bad request cannot fail its neighbours.
      if (callers.length === 1 || isConnectionError(err)) {
        for (const c of callers) c.reject(mapError(err));
        return;
      }
      await Promise.all(callers.map((c) => run(c.requests).then(c.resolve, (e: unknown) => c.reject(mapError(e)))));
      return;
    }
    let at = 0;
    for (const c of callers) {
      c.resolve(outcomes.slice(at, at + c.requests.length));
      at += c.requests.length;
    }
  };

  /** Start the next group when a connection slot is free; otherwise the waiting callers grow one bigger group. */
  const flush = () => {
    scheduled = false;
    while (waiting.length > 0 && inFlight < options.groupsInFlight) {
      let size = 0;
      let take = 0;
      while (take < waiting.length && (take === 0 || size + weight(waiting[take]!) <= GROUP_MESSAGES)) {
        size += weight(waiting[take]!);
        take++;
      }
      const callers = waiting.slice(0, take);
      waiting = waiting.slice(take);
      inFlight++;
      void commitGroup(callers).finally(() => {
        inFlight--;
        schedule();
      });
    }
  };
  const schedule = () => {
    if (scheduled || waiting.length === 0) return;
    scheduled = true;
    setImmediate(flush);
  };

  return {
    append(requests) {
      return new Promise((resolve, reject) => {
        waiting.push({ requests, resolve, reject });
        schedule();
      });
    },

    read(channel, after, limit) {
      return guarded(async () => {
        const { rows } = await sql<MessageRow>`
          SELECT channel, seq, id, event, data, ts FROM messages
          WHERE channel = ${channel} AND seq > ${after}::bigint ORDER BY seq LIMIT ${limit}`.execute(kysely);
        return rows.map(toMessage);
      });
    },

    readLatest(channel, limit) {
      return guarded(async () => {
        const { rows } = await sql<MessageRow>`
          SELECT channel, seq, id, event, data, ts FROM messages
          WHERE channel = ${channel} ORDER BY seq DESC LIMIT ${limit}`.execute(kysely);
        return rows.reverse().map(toMessage);
      });
    },

    channelStates(channels) {
      return guarded(async () => {
        const out = new Map<string, ChannelState>();
        for (const c of channels) out.set(c, { head: 0, floor: 0 });
        if (channels.length === 0) return out;
        const { rows } = await sql<{ name: string; head: number; pruned_through: number }>`
          SELECT name, head, pruned_through FROM channels WHERE name = ANY(${[...channels]}::text[])`.execute(kysely);
        for (const r of rows) out.set(r.name, { head: r.head, floor: r.pruned_through });
        return out;
      });
    },

    ping() {
      return guarded(async () => {
        await sql`SELECT 1`.execute(kysely);
      });
    },
  };
}
