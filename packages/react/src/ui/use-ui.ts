'use client';
import { useMemo } from 'react';
import { useHeraldContext, type HeraldContextValue, type HeraldTheme } from '../context.js';
import type { HeraldStrings } from './strings.js';

/** Props every component takes on top of its own. */
export interface UiProps {
  /** Overrides the provider's theme for this component. */
  theme?: HeraldTheme;
  /** Overrides some of the provider's texts for this component. */
  strings?: Partial<HeraldStrings>;
  /** Added to the component's root element. */
  className?: string;
}

export interface Ui extends HeraldContextValue {
  /** className and theme attribute of a component's root element. */
  root(className: string): { className: string; 'data-herald-theme': HeraldTheme };
}

/** The provider's settings with this component's overrides. */
export function useUi(component: string, props: UiProps): Ui {
  const ctx = useHeraldContext(component);
  const { theme = ctx.theme, strings, className } = props;
  const merged = useMemo(() => (strings ? { ...ctx.strings, ...strings } : ctx.strings), [ctx.strings, strings]);
  return {
    ...ctx,
    theme,
    strings: merged,
    root: (cls) => ({ className: ['hrd', cls, className].filter(Boolean).join(' '), 'data-herald-theme': theme }),
  };
}
