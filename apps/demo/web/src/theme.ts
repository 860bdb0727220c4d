/** The demo's colour scheme (light / dark / system), kept in localStorage and shared by page and components. */
import { useSyncExternalStore } from 'react';
import type { HeraldTheme } from '@herald/react';

const KEY = 'demo-theme';
const listeners = new Set<() => void>();
let theme: HeraldTheme = (localStorage.getItem(KEY) as HeraldTheme | null) ?? 'system';

function apply() {
  document.documentElement.dataset.theme = theme;
}
apply();

export function setTheme(next: HeraldTheme): void {
  theme = next;
  localStorage.setItem(KEY, next);
  apply();
  listeners.forEach((l) => l());
}

export function useTheme(): HeraldTheme {
  return useSyncExternalStore(
    (l) => (listeners.add(l), () => listeners.delete(l)),
    () => theme,
  );
}
