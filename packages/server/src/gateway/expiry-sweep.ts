/**
 * Token expiry of every socket of a gateway on one timer, instead of one `setTimeout` per socket
 * (a Timeout object, its closure and a timer-list entry each: ~250 bytes per idle connection).
 *
 * Deadlines are kept in one-second buckets; the timer fires just after each wall-clock second
 * while any deadline is pending and expires what is due, so an expiry happens at most one second
 * after its deadline (JWT deadlines fall on whole seconds: in practice a few milliseconds after).
 */

/** Something that runs out at `deadline` (ms since the epoch). */
export interface Expiring {
  readonly deadline: number;
  /** Called once the deadline has passed (the sweep has already forgotten it). */
  expire(): void;
}

export interface ExpirySweep {
  /** Watch `item` until its `deadline`; `item` must not be watched already. */
  add(item: Expiring): void;
  /** Stop watching `item` (call it before changing its deadline, with the deadline it was added with). */
  delete(item: Expiring): void;
  /** Cancel the timer; nothing expires after this. */
  stop(): void;
}

/** Past the second boundary, so that a deadline on a whole second is due at the tick. */
const TICK_SLACK_MS = 5;

export function createExpirySweep(onError: (err: unknown) => void): ExpirySweep {
  /** Second (floor of deadline / 1000) → the items due during it. */
  const buckets = new Map<number, Set<Expiring>>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  /** Every bucket before this second has been expired. */
  let swept = Math.floor(Date.now() / 1000);

  const schedule = () => {
    if (timer || stopped || buckets.size === 0) return;
    timer = setTimeout(tick, 1000 - (Date.now() % 1000) + TICK_SLACK_MS);
    // Like the per-socket timers before it: pending expiries do not keep the process alive.
    timer.unref();
  };

  const tick = () => {
    timer = undefined;
    const now = Date.now();
    const current = Math.floor(now / 1000);
    for (let second = swept; second <= current; second++) {
      const bucket = buckets.get(second);
      if (!bucket) continue;
      buckets.delete(second);
      const later: Expiring[] = [];
      for (const item of bucket) {
        if (item.deadline > now) later.push(item); // the rest of the current second
        else {
          try {
            item.expire();
          } catch (err) {
            onError(err);
          }
        }
      }
      for (const item of later) add(item);
    }
    swept = current;
    schedule();
  };

  const add = (item: Expiring) => {
    // Idle (nothing watched, no timer): no second before this one has anything left to sweep.
    if (buckets.size === 0) swept = Math.max(swept, Math.floor(Date.now() / 1000));
    // A deadline already past (or in a second already swept) is due at the next tick.
    const second = Math.max(Math.floor(item.deadline / 1000), swept);
    let bucket = buckets.get(second);
    if (!bucket) buckets.set(second, (bucket = new Set()));
    bucket.add(item);
    schedule();
  };

  return {
    add,
    delete(item) {
      const second = Math.max(Math.floor(item.deadline / 1000), swept);
      const bucket = buckets.get(second);
      if (bucket?.delete(item) && bucket.size === 0) buckets.delete(second);
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      buckets.clear();
    },
  };
}
