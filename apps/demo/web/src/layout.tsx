/** The page shell: brand, scenario title, the page's Herald widgets and the theme switch. */
import type { HeraldTheme } from '@herald/react';
import { useEffect, type ReactNode } from 'react';
import { Link } from './router.js';
import { setTheme, useTheme } from './theme.js';

export function Page({ scenario, title, actions, children }: { scenario: string; title: string; actions?: ReactNode; children: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Herald demo`;
  }, [title]);
  return (
    <div className="app">
      <header className="topbar">
        <Link to="/" className="brand" aria-label="Herald demo home">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>
          Herald
        </Link>
        <div className="topbar-title">
          <span className="eyebrow">{scenario}</span>
          <h1>{title}</h1>
        </div>
        <div className="topbar-actions">
          {actions}
          <ThemeSwitch />
        </div>
      </header>
      <main className="content">{children}</main>
    </div>
  );
}

function ThemeSwitch() {
  const theme = useTheme();
  return (
    <label className="theme-switch">
      <span className="sr-only">Colour scheme</span>
      <select value={theme} onChange={(e) => setTheme(e.target.value as HeraldTheme)}>
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}

export function Card({ title, children, aside, className }: { title: ReactNode; children: ReactNode; aside?: ReactNode; className?: string }) {
  return (
    <section className={`card ${className ?? ''}`}>
      <div className="card-head">
        <h2>{title}</h2>
        {aside}
      </div>
      {children}
    </section>
  );
}

/** The loading / error line of a live view. */
export function LiveStatus({ status, error, reload }: { status: string; error: unknown; reload(): void }) {
  if (status === 'loading') return <p className="muted" role="status">Loading…</p>;
  if (status === 'error') {
    const code = (error as { code?: string } | undefined)?.code;
    return (
      <p className="error" role="alert">
        {code === 'CHANNEL_FORBIDDEN' ? 'Not allowed to follow this feed.' : 'Could not load. Retrying…'}{' '}
        {code !== 'CHANNEL_FORBIDDEN' && (
          <button type="button" className="link" onClick={reload}>
            Retry now
          </button>
        )}
      </p>
    );
  }
  return null;
}
