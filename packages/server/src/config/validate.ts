/**
 * Validate the `HERALD_*` environment and report every problem at once: each variable is parsed
 * on its own (so one bad value does not hide the next), then the rules between variables run on
 * whatever did parse. A person fixing a deployment sees the whole list in one start.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { z } from 'zod';
import { envSchema, type DatabaseConfig } from './schema.js';

/**
 * Start-up stops with this error when the configuration is wrong; its message names each bad
 * variable, one per line, and `problems` lists them.
 */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: string | readonly string[]) {
    const list = typeof problems === 'string' ? [problems] : problems;
    super(list.length === 1 ? list[0]! : `Invalid configuration (${list.length} problems):\n  ${list.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = list;
  }
}

export type HeraldEnvValues = z.output<typeof envSchema>;

type Issue = z.core.$ZodIssue;

/** The default of `key`, shown as an example of a good value; undefined when it has none. */
function example(key: string, schema: z.ZodType): string {
  const r = schema.safeParse(undefined);
  return r.success && (typeof r.data === 'number' || typeof r.data === 'string') ? ` (e.g. ${key}=${r.data})` : '';
}

/**
 * One line per issue. A number that does not parse says what it got and shows an example (the
 * default); other messages come from the schema, which never echoes secrets.
 */
function describe(key: string, raw: string | undefined, issue: Issue, schema: z.ZodType): string {
  const shown = JSON.stringify(raw);
  if (issue.code === 'invalid_type' && (issue.expected === 'number' || issue.expected === 'int')) {
    return `${key}: ${shown} is not a whole number${example(key, schema)}`;
  }
  if (issue.code === 'too_small' && issue.origin === 'number') {
    return `${key}: ${shown} is below the minimum, ${String(issue.minimum)}${example(key, schema)}`;
  }
  if (issue.code === 'too_big' && issue.origin === 'number') {
    return `${key}: ${shown} is above the maximum, ${String(issue.maximum)}${example(key, schema)}`;
  }
  const where = [key, ...issue.path.map(String)].join('.');
  return `${where}: ${issue.message}`;
}

function databaseFrom(url: string, cwd: string, poolSize: number): DatabaseConfig | string {
  if (/^postgres(ql)?:\/\//.test(url)) return Object.freeze({ kind: 'postgres', url, poolSize });
  const file = url.replace(/^sqlite:(\/\/)?/, '').replace(/^file:/, '');
  if (file === '' || /^[a-z][a-z0-9+.-]*:\/\//i.test(file)) {
    return `HERALD_DATABASE_URL: "${url}" is neither a SQLite file path nor a postgres:// URL`;
  }
  return { kind: 'sqlite', file: file === ':memory:' ? file : path.resolve(cwd, file) };
}

/**
 * Parse `herald` (the non-empty `HERALD_*` variables) against `envSchema` and the rules between
 * variables; throws one `ConfigError` listing every problem.
 */
export function validateEnv(
  herald: Record<string, string | undefined>,
  cwd: string,
): { e: HeraldEnvValues; database: DatabaseConfig; workers: number } {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(envSchema.shape) as [string, z.ZodType][]) {
    const r = schema.safeParse(herald[key]);
    if (r.success) values[key] = r.data;
    else problems.push(...r.error.issues.map((i) => describe(key, herald[key], i, schema)));
  }
  const e = values as Partial<HeraldEnvValues>;
  const has = (key: keyof HeraldEnvValues) => key in values;

  if (has('HERALD_JWT_SECRET') && has('HERALD_JWKS_URL') && !e.HERALD_JWT_SECRET && !e.HERALD_JWKS_URL) {
    problems.push('HERALD_JWT_SECRET or HERALD_JWKS_URL: one is required to verify client tokens');
  }
  if (has('HERALD_API_KEYS') && (!e.HERALD_API_KEYS || e.HERALD_API_KEYS.length === 0)) {
    problems.push('HERALD_API_KEYS: at least one API key is required for server routes');
  }
  let database: DatabaseConfig | undefined;
  if (has('HERALD_DATABASE_URL') && has('HERALD_DATABASE_POOL')) {
    const d = databaseFrom(e.HERALD_DATABASE_URL!, cwd, e.HERALD_DATABASE_POOL!);
    if (typeof d === 'string') problems.push(d);
    else database = d;
  }
  const workers = e.HERALD_WORKERS === undefined ? undefined : e.HERALD_WORKERS === 'auto' ? availableParallelism() : e.HERALD_WORKERS;
  if (workers !== undefined && workers > 1 && database?.kind === 'sqlite') {
    problems.push(
      `HERALD_WORKERS=${e.HERALD_WORKERS}: SQLite is single-process; run one worker, or set HERALD_DATABASE_URL=postgres://… and HERALD_REDIS_URL=redis://… for several`,
    );
  }
  if (workers !== undefined && workers > 1 && has('HERALD_REDIS_URL') && !e.HERALD_REDIS_URL) {
    problems.push(`HERALD_WORKERS=${e.HERALD_WORKERS}: several workers deliver each other's messages through Redis; set HERALD_REDIS_URL=redis://…`);
  }
  if (e.HERALD_REDIS_URL && database?.kind === 'sqlite') {
    problems.push(
      'HERALD_REDIS_URL: several nodes must share one database, and SQLite is a file of one process; set HERALD_DATABASE_URL=postgres://… too',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { e: e as HeraldEnvValues, database: database!, workers: workers! };
}
