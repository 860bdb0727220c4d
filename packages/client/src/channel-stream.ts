/**
 * One channel as the application sees it: every message handed to the handlers once, in `seq`
 * order, without gaps, whichever way it arrived (live, `subscribe` replay, `/v1/sync`, history).
 *
 * The cursor is the last seq applied. A message at or below it is dropped; the next one is applied
 * (and whatever was held behind it); one further ahead is held for `gapTimeoutMs` — messages
 * relayed by two server nodes can cross — and then the gap is fetched from history.
 */
import type { HistoryResult, Message, SubscribeResult } from '@herald/protocol';
import { reportListenerError } from './emitter.js';
import type { CursorStorage } from './types.js';

export interface StreamDeps {
  gapTimeoutMs: number;
  storage: CursorStorage;
  /** `GET /v1/channels/{channel}/history?since=…&limit=1000`. */
  fetchHistory(channel: string, since: number): Promise<HistoryResult>;
}

/** How long to wait before retrying a failed history fetch, ms. */
const RETRY_MS = 1000;

export class ChannelStream {
  private stored: number | undefined;
  private loaded = false;
  private readonly pending = new Map<number, Message>();
  private readonly handlers = new Set<(message: Message) => void>();
  private readonly resetHandlers = new Set<(channel: string) => void>();
  /** Known head: a cursor below it means there is more to fetch. */
  private target = 0;
  private gapTimer: ReturnType<typeof setTimeout> | undefined;
  private filling = false;
  private closed = false;

  /**
   * @param storageKey where the cursor is kept; read on first use, once the user is known
   */
  constructor(
    readonly channel: string,
    private readonly storageKey: () => string,
    private readonly deps: StreamDeps,
  ) {}

  /** Last seq applied; undefined until the server tells where to start. */
  get cursor(): number | undefined {
    if (!this.loaded) {
      this.loaded = true;
      const stored = this.deps.storage.getItem(this.storageKey());
      if (stored !== null && /^\d+$/.test(stored)) this.stored = Number(stored);
    }
    return this.stored;
  }

  private set cursor(seq: number) {
    this.loaded = true;
    this.stored = seq;
  }

  /** Add a handler; returns whether it was the first. */
  addHandler(handler: (message: Message) => void, onReset?: (channel: string) => void): () => boolean {
    this.handlers.add(handler);
    if (onReset) this.resetHandlers.add(onReset);
    return () => {
      this.handlers.delete(handler);
      if (onReset) this.resetHandlers.delete(onReset);
      return this.handlers.size === 0;
    };
  }

  get idle(): boolean {
    return this.handlers.size === 0;
  }

  /** One message, from anywhere. */
  receive(message: Message): void {
    if (this.closed) return;
    if (this.cursor === undefined || message.seq > this.cursor + 1) {
      this.pending.set(message.seq, message);
      if (this.cursor !== undefined) this.armGapTimer();
      return;
    }
    if (message.seq <= this.cursor) return;
    this.apply(message);
    this.drain();
  }

  /** The answer of a socket `subscribe`. */
  onSubscribed(ack: SubscribeResult): void {
    if (this.cursor === undefined || !ack.recovered) {
      this.startAt(ack.head, this.cursor !== undefined);
      return;
    }
    for (const m of ack.messages) this.receive(m);
    this.catchUpTo(ack.head);
  }

  /** What `/v1/sync` said of this channel. */
  onSync(messages: readonly Message[], head: number, reset: boolean): void {
    if (reset) {
      this.startAt(head, true);
      return;
    }
    if (this.cursor === undefined) {
      // A bare cursor: the answer starts right after the head the poll began at.
      this.startAt(messages.length > 0 ? messages[0]!.seq - 1 : head, false);
    }
    for (const m of messages) this.receive(m);
    this.target = Math.max(this.target, head);
  }

  /** Whether the cursor is behind the last known head. */
  get behind(): boolean {
    return this.cursor !== undefined && this.cursor < this.target;
  }

  /**
   * Start at `seq` without a reset: what is held above it is applied in order, what is at or
   * below it dropped. For a stream whose starting point comes from the application (a live state's
   * load), not from the server.
   */
  begin(seq: number): void {
    this.startAt(seq, false);
  }

  /** Ask history once whether anything follows the cursor (when no message says so). */
  catchUp(): void {
    if (this.cursor === undefined) return;
    this.catchUpTo(this.cursor + 1);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.gapTimer);
    this.pending.clear();
  }

  /** Start (or restart after a reset) at `head`: what is after it is applied from there on. */
  private startAt(head: number, isReset: boolean): void {
    this.cursor = head;
    this.target = Math.max(this.target, head);
    this.persist();
    for (const seq of this.pending.keys()) if (seq <= head) this.pending.delete(seq);
    if (isReset) {
      for (const h of [...this.resetHandlers]) {
        try {
          h(this.channel);
        } catch (err) {
          reportListenerError(err);
        }
      }
    }
    this.drain();
  }

  private catchUpTo(head: number): void {
    this.target = Math.max(this.target, head);
    if (this.behind) void this.fill();
  }

  private apply(message: Message): void {
    this.cursor = message.seq;
    for (const h of [...this.handlers]) {
      try {
        h(message);
      } catch (err) {
        reportListenerError(err);
      }
    }
    this.persist();
  }

  private drain(): void {
    if (this.cursor === undefined) return;
    for (;;) {
      const next = this.pending.get(this.cursor + 1);
      if (!next) break;
      this.pending.delete(next.seq);
      this.apply(next);
    }
    for (const seq of this.pending.keys()) if (seq <= this.cursor) this.pending.delete(seq);
    if (this.pending.size === 0) {
      clearTimeout(this.gapTimer);
      this.gapTimer = undefined;
    } else {
      this.armGapTimer();
    }
  }

  private armGapTimer(delay = this.deps.gapTimeoutMs): void {
    if (this.gapTimer !== undefined || this.filling) return;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = undefined;
      void this.fill();
    }, delay);
  }

  /** Fetch from history until the gap is closed and the known head reached. */
  private async fill(): Promise<void> {
    if (this.filling || this.closed) return;
    this.filling = true;
    clearTimeout(this.gapTimer);
    this.gapTimer = undefined;
    try {
      while (!this.closed && this.cursor !== undefined && (this.pending.size > 0 || this.cursor < this.target)) {
        const since = this.cursor;
        const { messages, head } = await this.deps.fetchHistory(this.channel, since);
        this.target = Math.max(this.target, head);
        if (this.cursor !== since) continue; // something else moved it meanwhile
        const first = messages[0];
        if (first && first.seq > since + 1) {
          // Retention removed what this client missed: start over after the hole.
          this.startAt(first.seq - 1, true);
        }
        for (const m of messages) this.receive(m);
        if (this.cursor === since) {
          // History does not reach the held messages yet: wait for more, then try again.
          this.target = Math.min(this.target, this.cursor);
          break;
        }
      }
    } catch {
      this.filling = false;
      this.armGapTimer(RETRY_MS);
      return;
    }
    this.filling = false;
    if (this.pending.size > 0) this.armGapTimer();
  }

  private persist(): void {
    if (this.cursor === undefined) return;
    try {
      this.deps.storage.setItem(this.storageKey(), String(this.cursor));
    } catch {
      // Quota or privacy mode: delivery goes on; only resuming after a reload is affected.
    }
  }
}
