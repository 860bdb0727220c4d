/**
 * Server rendering (Next.js App Router, Remix, plain `react-dom/server`): the provider and every
 * hook and component render without `window`, `document` or `localStorage`, create no client and
 * open no socket; hooks outside the provider say what is wrong; every module that uses React is a
 * client module.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import {
  ConnectionBadge,
  HeraldProvider,
  NotificationBell,
  NotificationCenter,
  NotificationPreferences,
  NotificationToaster,
  SoundToggle,
  useChannel,
  useConnectionState,
  useHerald,
  useInbox,
  useLiveState,
  useNotificationListener,
  usePreferences,
  useSound,
  useUnreadCount,
} from '../src/index.js';
import { formatRelative } from '../src/ui/relative-time.js';

function Hooks() {
  const herald = useHerald();
  const state = useConnectionState();
  const inbox = useInbox();
  const unread = useUnreadCount();
  const prefs = usePreferences();
  const live = useLiveState('restaurant:7', { load: async () => ({ data: [], seq: 0 }), reduce: (d: unknown[]) => d });
  const sound = useSound();
  useChannel('restaurant:7', () => {});
  useNotificationListener(() => {});
  return <pre>{JSON.stringify({ herald: herald === null, state, loaded: inbox.loaded, unread, muted: prefs.mutedTypes, live: live.status, sound })}</pre>;
}

describe('server rendering', () => {
  it('renders the provider, every hook and every component without a DOM, and creates no client', () => {
    expect(typeof window).toBe('undefined');
    expect(typeof localStorage).toBe('undefined');
    let tokenAsked = 0;
    const html = renderToString(
      <HeraldProvider options={{ url: 'http://127.0.0.1:1', getToken: () => (tokenAsked++, 'never') }} theme="dark">
        <Hooks />
        <NotificationBell />
        <NotificationCenter />
        <NotificationCenter mode="panel" />
        <NotificationToaster sound />
        <ConnectionBadge />
        <NotificationPreferences types={[{ type: 'weekly_digest', label: 'Weekly digest' }]} />
        <SoundToggle />
      </HeraldProvider>,
    );
    expect(tokenAsked).toBe(0);
    expect(html).toContain('&quot;herald&quot;:true');
    expect(html).toContain('&quot;state&quot;:&quot;connecting&quot;');
    expect(html).toContain('&quot;live&quot;:&quot;loading&quot;');
    expect(html).toContain('aria-label="Notifications, none unread"');
    expect(html).toContain('Loading notifications…');
    expect(html).toContain('data-state="connecting"');
    expect(html).toContain('data-herald-theme="dark"');
    // The stylesheet is part of the server's answer, so the first paint is styled.
    expect(html).toMatch(/<style[^>]*>[^<]*\.hrd-bell/);
  });

  it('replaces every text through `strings` (i18n), from the provider or one component', () => {
    const html = renderToString(
      <HeraldProvider
        options={{ url: 'http://127.0.0.1:1', getToken: () => 'never' }}
        strings={{ bellLabel: (n) => `${n} notifications non lues`, centerTitle: 'Notifications', tabAll: 'Toutes', tabUnread: 'Non lues', loading: 'Chargement…' }}
      >
        <NotificationCenter mode="panel" />
        <NotificationBell />
        <ConnectionBadge strings={{ connection: { live: 'En direct', polling: 'Sondage', offline: 'Hors ligne', connecting: 'Connexion', unauthorized: 'Déconnecté' } }} />
      </HeraldProvider>,
    );
    for (const text of ['Toutes', 'Non lues', 'Chargement…', 'aria-label="0 notifications non lues"', 'Connexion']) expect(html).toContain(text);
    expect(html).not.toContain('Loading notifications');
  });

  it('formats relative times in the given locale', () => {
    const now = Date.parse('2026-11-28T12:00:00Z');
    expect(formatRelative('2026-11-28T11:57:00Z', now, 'en')).toBe('3 min. ago');
    expect(formatRelative('2026-11-27T12:00:00Z', now, 'en')).toBe('yesterday');
    expect(formatRelative('2026-11-28T11:59:58Z', now, 'fr')).toBe('maintenant');
    expect(formatRelative('2026-11-28T09:00:00Z', now, 'de')).toBe('vor 3 Std.');
  });

  it('tells a hook used outside the provider what is missing', () => {
    for (const [name, C] of [
      ['useInbox', () => (useInbox(), null)],
      ['useConnectionState', () => (useConnectionState(), null)],
      ['useLiveState', () => (useLiveState('x', { load: async () => ({ data: 1, seq: 0 }), reduce: (d) => d }), null)],
      ['NotificationBell', () => <NotificationBell />],
    ] as const) {
      expect(() => renderToString(<C />), name).toThrow(/must be used inside <HeraldProvider>/);
    }
  });

  it('refuses a provider given both options and a client, or neither', () => {
    const options = { url: 'http://127.0.0.1:1', getToken: () => 't' };
    expect(() => renderToString(<HeraldProvider options={options} client={{} as never} />)).toThrow(/not both/);
    expect(() => renderToString(<HeraldProvider />)).toThrow(/pass `options`/);
  });

  it('marks every built module that uses React as a client module ("use client")', () => {
    const dist = fileURLToPath(new URL('../dist', import.meta.url));
    expect(fs.existsSync(dist), 'packages/react/dist (npm test builds it)').toBe(true);
    const files = fs.readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
    const reactModules = files.filter((f) => /from ['"]react(\/jsx-runtime)?['"]/.test(fs.readFileSync(path.join(dist, f), 'utf8')));
    expect(reactModules.length).toBeGreaterThan(10);
    for (const f of [...reactModules, 'index.js']) {
      expect(fs.readFileSync(path.join(dist, f), 'utf8').startsWith("'use client';"), f).toBe(true);
    }
  });
});
