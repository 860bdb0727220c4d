/** A set of listeners; `emit` isolates them so one throwing listener cannot stop the others. */
export interface Listeners<T> {
  add(listener: (value: T) => void): () => void;
  emit(value: T): void;
  clear(): void;
}

export function listeners<T>(): Listeners<T> {
  const set = new Set<(value: T) => void>();
  return {
    add(l) {
      set.add(l);
      return () => void set.delete(l);
    },
    emit(value) {
      for (const l of [...set]) {
        try {
          l(value);
        } catch (err) {
          reportListenerError(err);
        }
      }
    },
    clear: () => set.clear(),
  };
}

/** Errors thrown by application callbacks are reported, never allowed to break delivery. */
export function reportListenerError(err: unknown): void {
  queueMicrotask(() => {
    throw err;
  });
}
