'use client';
/**
 * Relative times ("3 min ago") that refresh: one shared clock ticks every 30 s while any time is
 * on screen. Server rendering prints the absolute time; the client replaces it after hydration.
 */
import { useSyncExternalStore, type ReactNode } from 'react';

const TICK_MS = 30_000;
const subscribers = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;
let now = Date.now();

function subscribe(listener: () => void): () => void {
  subscribers.add(listener);
  if (!timer) {
    now = Date.now();
    timer = setInterval(() => {
      now = Date.now();
      for (const l of [...subscribers]) l();
    }, TICK_MS);
  }
  return () => {
    subscribers.delete(listener);
    if (subscribers.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** "just now", "3 minutes ago", "yesterday"… in `locale`. */
export function formatRelative(iso: string, at: number, locale: string | undefined): string {
  const diff = Date.parse(iso) - at;
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'short' });
  for (const [unit, ms] of units) {
    if (Math.abs(diff) >= ms) return rtf.format(Math.round(diff / ms), unit);
  }
  return rtf.format(0, 'second');
}

export function RelativeTime({ iso, locale }: { iso: string; locale: string | undefined }): ReactNode {
  // The clock ticks every 30 s; something newer than the last tick reads "now" until the next one.
  const at = useSyncExternalStore(subscribe, () => now, () => 0);
  const absolute = new Date(iso).toLocaleString(locale);
  return (
    <time dateTime={iso} title={absolute} suppressHydrationWarning>
      {at === 0 ? absolute : formatRelative(iso, Math.max(at, Date.parse(iso)), locale)}
    </time>
  );
}
