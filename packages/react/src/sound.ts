'use client';
/**
 * The notification sound. Browsers only let a page play sound after the user has interacted with
 * it, so the controller waits for the first gesture (pointer, key, touch) to unlock an
 * AudioContext; until then `play()` is a no-op that says so. The mute choice is kept in
 * `localStorage`. No DOM or storage access happens before `attach()`, which the provider calls in an
 * effect, so server rendering never touches `window`.
 */

export interface SoundOptions {
  /** URL of an audio file to play instead of the built-in two-note chime. */
  src?: string;
  /** 0–1. @default 0.5 */
  volume?: number;
  /** Where the mute choice is kept. @default 'herald:sound-muted' */
  storageKey?: string;
  /** Called each time a sound actually starts (analytics, tests). */
  onPlay?: () => void;
}

export interface SoundSnapshot {
  /** The user turned sound off. */
  muted: boolean;
  /** A user gesture has happened: sound can play. */
  unlocked: boolean;
}

export interface SoundController {
  getSnapshot(): SoundSnapshot;
  subscribe(listener: () => void): () => void;
  setMuted(muted: boolean): void;
  /** Play the sound unless muted or still locked; answers whether it started. */
  play(): boolean;
  /** Start waiting for the first gesture and read the stored choice (client only); returns cleanup. */
  attach(): () => void;
}

type AudioContextCtor = new () => AudioContext;

export function createSoundController(options: SoundOptions = {}): SoundController {
  const key = options.storageKey ?? 'herald:sound-muted';
  const volume = Math.min(1, Math.max(0, options.volume ?? 0.5));
  const subscribers = new Set<() => void>();
  let snapshot: SoundSnapshot = { muted: false, unlocked: false };
  let ctx: AudioContext | undefined;

  const set = (next: Partial<SoundSnapshot>) => {
    snapshot = { ...snapshot, ...next };
    for (const l of [...subscribers]) l();
  };

  const unlock = () => {
    if (!options.src) {
      const Ctor = (globalThis as { AudioContext?: AudioContextCtor; webkitAudioContext?: AudioContextCtor }).AudioContext ??
        (globalThis as { webkitAudioContext?: AudioContextCtor }).webkitAudioContext;
      if (!Ctor) return;
      ctx ??= new Ctor();
      void ctx.resume().catch(() => {});
    }
    if (!snapshot.unlocked) set({ unlocked: true });
  };

  /** Two short notes: audible, not alarming. */
  const chime = (audio: AudioContext) => {
    const start = audio.currentTime + 0.01;
    [880, 1318.5].forEach((frequency, i) => {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = 'sine';
      osc.frequency.value = frequency;
      const t = start + i * 0.13;
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(volume, t + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.25);
      osc.connect(gain).connect(audio.destination);
      osc.start(t);
      osc.stop(t + 0.3);
    });
  };

  return {
    getSnapshot: () => snapshot,
    subscribe(listener) {
      subscribers.add(listener);
      return () => void subscribers.delete(listener);
    },
    setMuted(muted) {
      try {
        if (muted) localStorage.setItem(key, '1');
        else localStorage.removeItem(key);
      } catch {
        // Storage disabled: the choice lasts for this page only.
      }
      // Turning sound on is itself a gesture: unlock now so the next notification is heard.
      if (!muted) unlock();
      set({ muted });
    },
    play() {
      if (snapshot.muted || !snapshot.unlocked) return false;
      try {
        if (options.src) {
          const el = new Audio(options.src);
          el.volume = volume;
          void el.play().catch(() => {});
        } else if (ctx) {
          chime(ctx);
        } else {
          return false;
        }
      } catch {
        return false;
      }
      options.onPlay?.();
      return true;
    },
    attach() {
      try {
        if (localStorage.getItem(key) === '1') set({ muted: true });
      } catch {
        // No storage: not muted.
      }
      // A page the user already interacted with (a client-side navigation) may play at once.
      if ((navigator as { userActivation?: { hasBeenActive: boolean } }).userActivation?.hasBeenActive) unlock();
      const events = ['pointerdown', 'keydown', 'touchstart'] as const;
      const onGesture = () => {
        unlock();
        for (const e of events) window.removeEventListener(e, onGesture, true);
      };
      for (const e of events) window.addEventListener(e, onGesture, { capture: true, passive: true });
      return () => {
        for (const e of events) window.removeEventListener(e, onGesture, true);
        void ctx?.close().catch(() => {});
        ctx = undefined;
        if (snapshot.unlocked) set({ unlocked: false });
      };
    },
  };
}
