/**
 * The newest messages of recently read channels, kept in memory for reads "after seq k".
 *
 * Catch-up is many clients asking for the same few messages: after a restart 19,000 clients each
 * read the last 100 messages of the same channel, and better-sqlite3 takes ~2 µs a row to build
 * them. Here the first reader's rows are kept, and the others get a slice of them.
 *
 * What is cached is always a contiguous run of committed messages ending at the channel's head as
 * the reader saw it. Each read first checks it against the head read from SQLite, and reads only
 * what is newer than the run. So the cache is filled only from reads outside any transaction,
 * never from the write path: a rolled-back append can never be in it. Retention clears it, and
 * nothing else deletes messages.
 *
 * Messages handed out are shared between readers: callers must not modify them (none does).
 */
import type { Message } from '@herald/protocol';

interface Tail {
  /** seq of `messages[0]`; the run is first … first + messages.length - 1. */
  first: number;
  messages: Message[];
}

const lastSeq = (tail: Tail) => tail.first + tail.messages.length - 1;

export interface TailCacheOptions {
  /** Messages kept per channel (the newest). */
  perChannel: number;
  /** Messages kept in all; the least recently read channels go first. */
  total: number;
}

/** Reads messages after a seq, ascending: the cache's source (SQLite). */
export type ReadAfter = (channel: string, after: number, limit: number) => Message[];

export class TailCache {
  /** In least recently read first order (a Map keeps insertion order). */
  private readonly tails = new Map<string, Tail>();
  private size = 0;

  constructor(
    private readonly source: ReadAfter,
    private readonly options: TailCacheOptions,
  ) {}

  /** Up to `limit` messages after `after`, given the channel's committed `head`. */
  read(channel: string, after: number, limit: number, head: number): Message[] {
    if (after >= head || limit <= 0) return [];
    const tail = this.upToHead(channel, head);
    if (tail && after + 1 >= tail.first) {
      const start = after + 1 - tail.first;
      return tail.messages.slice(start, start + limit);
    }
    // Not cached from there: read from the source, and keep the rows when they reach the head.
    const rows = this.source(channel, after, limit);
    if (rows[0]?.seq === after + 1 && rows[rows.length - 1]!.seq === head) {
      this.remember(channel, this.trim({ first: after + 1, messages: rows }));
    }
    return rows;
  }

  /** The channel's cached run brought up to `head` (reading only what is newer), or undefined. */
  private upToHead(channel: string, head: number): Tail | undefined {
    const cached = this.tails.get(channel);
    if (!cached) return undefined;
    this.forget(channel, cached);
    let tail: Tail | undefined = cached;
    const last = lastSeq(cached);
    if (last < head) {
      const newer = this.source(channel, last, this.options.perChannel);
      tail = newer[0]?.seq === last + 1 ? this.trim({ first: cached.first, messages: [...cached.messages, ...newer] }) : undefined;
    }
    // A run past the head (only with another database) or still short of it is dropped.
    if (!tail || lastSeq(tail) !== head) return undefined;
    this.remember(channel, tail);
    return tail;
  }

  /** Forget everything (retention removed messages). */
  clear(): void {
    this.tails.clear();
    this.size = 0;
  }

  /** Messages cached in all. */
  get cachedMessages(): number {
    return this.size;
  }

  private trim(tail: Tail): Tail {
    const over = tail.messages.length - this.options.perChannel;
    return over > 0 ? { first: tail.first + over, messages: tail.messages.slice(over) } : tail;
  }

  private forget(channel: string, tail: Tail): void {
    this.tails.delete(channel);
    this.size -= tail.messages.length;
  }

  private remember(channel: string, tail: Tail): void {
    const old = this.tails.get(channel);
    if (old) this.forget(channel, old);
    this.tails.set(channel, tail);
    this.size += tail.messages.length;
    for (const [name, t] of this.tails) {
      if (this.size <= this.options.total || name === channel) break;
      this.forget(name, t);
    }
  }
}
