/**
 * The SDK sizes the READMEs give are the ones `npm run size` measures now, and `@herald/react`
 * keeps to its budget (SPEC §7: ≤ 15 KB min+gzip without React, sonner and `@herald/client`).
 * Every "… KB min+gzip" figure of the READMEs is claimed by one rule below, so a figure added
 * without a check fails too. Measures the built packages, as `npm run size` does (`npm test`
 * builds first). When a figure is stale, the failure names the file and the figure to write.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url);
const path = (p: string) => fileURLToPath(new URL(p, root));

/** A README figure may differ from the measured one by this much (KB) before it counts as stale. */
const TOLERANCE_KB = 0.25;
const BUDGET_BYTES = 15 * 1024;

interface Sizes {
  client: number;
  clientWithSocketIo: number;
  react: number;
}

/** The `--json` line of a size script (min and gzip in bytes). */
function runSize(script: string): any {
  const dist = path(script.replace(/scripts\/size\.mjs$/, 'dist/index.js'));
  expect(fs.existsSync(dist), `${dist} missing: run npm run build`).toBe(true);
  const out = execFileSync(process.execPath, [path(script), '--json'], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

function measure(): Sizes {
  const client = runSize('packages/client/scripts/size.mjs') as { own: { gzip: number }; all: { gzip: number } };
  const react = runSize('packages/react/scripts/size.mjs') as { gzip: number };
  return { client: client.own.gzip, clientWithSocketIo: client.all.gzip, react: react.gzip };
}

/** Where each figure is, and which measurement it gives. The figure is the first group. */
const RULES: { file: string; pattern: RegExp; size: keyof Sizes }[] = [
  { file: 'README.md', pattern: /([\d.]+) KB min\+gzip without\s+socket\.io-client/g, size: 'client' },
  { file: 'README.md', pattern: /([\d.]+) KB min\+gzip without React, sonner and the client/g, size: 'react' },
  { file: 'README.md', pattern: /`@herald\/react` ([\d.]+) KB min\+gzip/g, size: 'react' },
  { file: 'packages/client/README.md', pattern: /([\d.]+) KB min\+gzip without\s+`socket\.io-client`/g, size: 'client' },
  { file: 'packages/client/README.md', pattern: /\(([\d.]+) KB with it\)/g, size: 'clientWithSocketIo' },
  { file: 'packages/react/README.md', pattern: /([\d.]+) KB min\+gzip without React, sonner and `@herald\/client`/g, size: 'react' },
];

const kb = (bytes: number) => bytes / 1024;

describe('SDK size figures', () => {
  const sizes = measure();

  it('@herald/react keeps to its 15 KB budget, and @herald/client to its 15 KB goal', () => {
    expect(sizes.react).toBeLessThanOrEqual(BUDGET_BYTES);
    expect(sizes.client).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it('in the READMEs are the measured ones', () => {
    const stale: string[] = [];
    for (const rule of RULES) {
      const text = fs.readFileSync(path(rule.file), 'utf8');
      const found = [...text.matchAll(rule.pattern)];
      expect(found.length, `${rule.pattern} no longer matches in ${rule.file}: update this test with the README`).toBeGreaterThan(0);
      for (const m of found) {
        const measured = kb(sizes[rule.size]);
        if (Math.abs(Number(m[1]) - measured) > TOLERANCE_KB) {
          stale.push(`${rule.file}: "${m[0]}" should say ${measured.toFixed(1)} KB (${rule.size})`);
        }
      }
    }
    expect(stale).toEqual([]);
  });

  it('in the READMEs are all checked', () => {
    const unchecked: string[] = [];
    for (const file of new Set(RULES.map((r) => r.file))) {
      const text = fs.readFileSync(path(file), 'utf8');
      const claimed = RULES.filter((r) => r.file === file).flatMap((r) =>
        [...text.matchAll(r.pattern)].map((m) => [m.index, m.index + m[0].length] as const),
      );
      for (const m of text.matchAll(/[\d.]+ KB min\+gzip/g)) {
        if (!claimed.some(([from, to]) => m.index >= from && m.index < to)) unchecked.push(`${file}: "${m[0]}"`);
      }
    }
    expect(unchecked).toEqual([]);
  });
});
