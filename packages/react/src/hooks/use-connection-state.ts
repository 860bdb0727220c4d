'use client';
import type { ConnectionState } from '@herald/client';
import { useCallback, useSyncExternalStore } from 'react';
import { useHeraldContext } from '../context.js';

/**
 * Where the connection stands: `connecting`, `live`, `polling`, `offline` or `unauthorized`
 * (signed out). `connecting` on the server and before the client exists.
 */
export function useConnectionState(): ConnectionState {
  const { client } = useHeraldContext('useConnectionState');
  const subscribe = useCallback((onChange: () => void) => (client ? client.onStateChange(onChange) : () => {}), [client]);
  return useSyncExternalStore(subscribe, () => client?.state ?? 'connecting', () => 'connecting');
}
