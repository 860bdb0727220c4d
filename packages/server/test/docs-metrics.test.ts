/**
 * The metric names the docs give are the ones `/metrics` exposes: every `herald_…` name in
 * docs/protocol.md and README.md is a series of a real server's `/metrics` (a name ending in `_`
 * or `_*` is a prefix, and some series must start with it), and every series of `/metrics` is
 * named in docs/protocol.md, in full or by such a prefix. A renamed or new metric fails here
 * instead of leaving the docs to drift.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { request, startHerald } from './helpers.js';

const DOCS = ['../../../docs/protocol.md', '../../../README.md'].map((p) => new URL(p, import.meta.url));

/** `herald_…` words of a Markdown file: full names, or prefixes (`herald_process_*`). */
function documentedNames(file: URL): { names: string[]; prefixes: string[] } {
  const text = fs.readFileSync(file, 'utf8');
  const names = new Set<string>();
  const prefixes = new Set<string>();
  for (const [, word, star] of text.matchAll(/\b(herald_[a-z0-9_]*)(\*?)/g)) {
    // The bare `herald_` (every series has it) says nothing about any one metric.
    if (star || word!.endsWith('_')) {
      if (word !== 'herald_') prefixes.add(word!.replace(/_?$/, '_'));
    } else names.add(word!);
  }
  return { names: [...names], prefixes: [...prefixes] };
}

/** The metric names of a real server's `/metrics`. */
async function exposedNames(): Promise<string[]> {
  const h = await startHerald();
  const res = await request(h, 'GET', '/metrics', undefined, { auth: null });
  expect(res.status).toBe(200);
  // `# TYPE name kind` names every metric, even a labelled counter that has not counted yet.
  const exposed = [...res.text.matchAll(/^# TYPE (\S+) \S+$/gm)].map((m) => m[1]!);
  expect(exposed).toContain('herald_connections');
  return exposed;
}

describe('metric names in the docs', () => {
  it('are all exposed by /metrics', async () => {
    const exposed = await exposedNames();

    let checked = 0;
    for (const file of DOCS) {
      const { names, prefixes } = documentedNames(file);
      for (const name of names) expect(exposed, `${name} (named in ${file.pathname})`).toContain(name);
      for (const prefix of prefixes) {
        expect(exposed.some((n) => n.startsWith(prefix)), `no metric starts with ${prefix} (named in ${file.pathname})`).toBe(true);
      }
      checked += names.length + prefixes.length;
    }
    // The docs name a dozen series; an extraction that finds none would prove nothing.
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it('name every metric of /metrics (docs/protocol.md, in full or by prefix)', async () => {
    const exposed = await exposedNames();
    const { names, prefixes } = documentedNames(DOCS[0]!);
    const undocumented = exposed.filter((n) => !names.includes(n) && !prefixes.some((p) => n.startsWith(p)));
    expect(undocumented).toEqual([]);
  });
});
