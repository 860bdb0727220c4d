/** A tiny client-side router: path patterns, links and `navigate`, on the History API. */
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent, type ReactNode } from 'react';

const listeners = new Set<() => void>();
const notify = () => listeners.forEach((l) => l());
window.addEventListener('popstate', notify);

export function navigate(to: string): void {
  history.pushState(null, '', to);
  notify();
  window.scrollTo(0, 0);
}

export function useLocation(): string {
  return useSyncExternalStore(
    (l) => (listeners.add(l), () => listeners.delete(l)),
    () => location.pathname + location.search,
  );
}

/** `/kitchen/:r` against `/kitchen/7` → `{ r: '7' }`, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/');
  const s = path.split('?')[0]!.split('/');
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i]!.startsWith(':')) params[p[i]!.slice(1)] = decodeURIComponent(s[i]!);
    else if (p[i] !== s[i]) return null;
  }
  return params;
}

export function Link({ to, children, ...rest }: { to: string; children: ReactNode } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0 || rest.target) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}

/**
 * Open a notification's `actionUrl` inside the app: another page is a client-side navigation; a
 * `#anchor` on this page scrolls to the element and focuses it.
 */
export function openInApp(url: string | undefined): void {
  if (!url) return;
  const [path, hash] = url.split('#');
  if (path && path !== location.pathname) navigate(url);
  else history.replaceState(null, '', url);
  if (hash) {
    const el = document.getElementById(hash);
    el?.scrollIntoView({ block: 'center', behavior: 'smooth' });
    el?.focus({ preventScroll: true });
  }
}
