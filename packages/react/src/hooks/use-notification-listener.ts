'use client';
import type { Notification } from '@herald/client';
import { useEffect, useRef } from 'react';
import { useHeraldContext } from '../context.js';

/**
 * Call `listener` for each notification genuinely new to this user: never for what the first
 * load showed, never twice (not after a reload, not on another tab's action), never for a muted
 * type. The latest `listener` is used; it need not be memoised.
 * @example useNotificationListener((n) => toast(n.title));
 */
export function useNotificationListener(listener: (notification: Notification) => void): void {
  const { client } = useHeraldContext('useNotificationListener');
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => (client ? client.onNotification((n) => latest.current(n)) : undefined), [client]);
}
