'use client';
import { useRef } from 'react';

/** The same object as last render while its own entries are the same (inline option objects). */
export function useShallowStable<T extends object | undefined>(value: T): T {
  const ref = useRef(value);
  const prev = ref.current;
  if (prev !== value && !shallowEqual(prev, value)) ref.current = value;
  return ref.current;
}

function shallowEqual(a: object | undefined, b: object | undefined): boolean {
  if (!a || !b) return a === b;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.is((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
