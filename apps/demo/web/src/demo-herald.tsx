/**
 * The Herald provider of every demo page: a client for one persona, whose tokens the demo back end
 * mints through Herald's `POST /v1/tokens` (the browser never sees an API key).
 */
import { HeraldProvider } from '@herald/react';
import type { ReactNode } from 'react';
import { tokenFor } from './api.js';
import { config } from './config.js';
import { useTheme } from './theme.js';

export function DemoHerald({ persona, params = {}, children }: { persona: string; params?: Record<string, unknown>; children: ReactNode }) {
  const theme = useTheme();
  return (
    <HeraldProvider
      // Another persona is another user: a fresh client.
      key={`${persona}:${JSON.stringify(params)}`}
      options={{ url: config.heraldUrl, getToken: () => tokenFor(persona, params) }}
      theme={theme}
    >
      {children}
    </HeraldProvider>
  );
}
