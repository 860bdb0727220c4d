'use client';
import type { ReactNode } from 'react';
import { heraldCss } from './styles.js';

/**
 * The stylesheet, rendered by every component: React 19 hoists a `<style>` with `href` and
 * `precedence` into `<head>` once, however many components render it (also when server
 * rendering).
 */
export function HeraldStyles({ nonce }: { nonce: string | undefined }): ReactNode {
  return (
    <style href="herald-react" precedence="herald" nonce={nonce}>
      {heraldCss}
    </style>
  );
}
