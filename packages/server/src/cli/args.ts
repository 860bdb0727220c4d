/**
 * The CLI's command model: each command declares its positionals, options, examples and the
 * environment it reads, and that one declaration drives both `node:util` `parseArgs` and the
 * `--help` text, so the two cannot disagree.
 */
import { parseArgs } from 'node:util';

/** Exit codes: 0 success, 1 the server (or the token) said no, 2 the command line is wrong. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A wrong command line: printed with a pointer to `--help`, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure to report as one line on stderr, exit code 1 (a server error is `CODE: message`). */
export class CommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandError';
  }
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Repeatable (`--to a --to b`); values are also split on commas where the command says so. */
  multiple?: boolean;
  /** The value's placeholder in the help, e.g. `<seconds>`. */
  value?: string;
  help: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** Usage lines after `herald `, e.g. `publish <channel> <event> [json]`. */
  usage: string;
  /** Paragraphs after the usage line. */
  description?: string;
  positionals: { name: string; required: boolean; help: string }[];
  options: Record<string, OptionSpec>;
  examples: string[];
  /** `NAME  meaning` lines. */
  env?: [string, string][];
}

/** What every command gets: the environment, directory and streams it runs with, from `main.ts`. */
export interface CliContext {
  env: Record<string, string | undefined>;
  cwd: string;
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** The whole of `stdin` as text, for an argument given as `-`. */
export async function readStdin(ctx: CliContext): Promise<string> {
  let text = '';
  for await (const chunk of ctx.stdin) text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  return text;
}

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Options every command has. */
export const HELP_OPTION: Record<string, OptionSpec> = { help: { type: 'boolean', short: 'h', help: 'Show this help and exit.' } };

/** Options of the commands that call the HTTP API. */
export const API_OPTIONS: Record<string, OptionSpec> = {
  url: { type: 'string', value: '<url>', help: 'Herald base URL (else HERALD_URL, else http://127.0.0.1:$HERALD_PORT or :4700).' },
  'api-key': { type: 'string', value: '<key>', help: 'API key (else HERALD_API_KEY, HERALD_API_KEYS, or ./data/dev-credentials.json).' },
};

/** The environment of the commands that call the HTTP API. */
export const API_ENV: [string, string][] = [
  ['HERALD_URL', 'Herald base URL, when --url is not given'],
  ['HERALD_API_KEY', 'API key, when --api-key is not given'],
  ['HERALD_API_KEYS', "the server's own keys: the first is used when HERALD_API_KEY is unset"],
  ['HERALD_PORT, HERALD_HOST', 'the URL defaults to this server address (http://127.0.0.1:4700)'],
];

/** Whether `--help` / `-h` appears before any `--`. */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

/** Parse `argv` against `spec`: unknown options, missing or extra positionals are `UsageError`s. */
export function parse(spec: CommandSpec, argv: readonly string[]): Parsed {
  const options = Object.fromEntries(
    Object.entries({ ...spec.options, ...HELP_OPTION }).map(([name, o]) => [
      name,
      { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
    ]),
  );
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true }) as Parsed;
  } catch (err) {
    // parseArgs's own messages are clear ("Unknown option '--x'"); only the advice to use `--` for
    // a value that starts with a dash is dropped, it is rarely what went wrong here.
    const message = err instanceof Error ? err.message.replace(/\. To specify a positional.*$/s, '') : String(err);
    throw new UsageError(message);
  }
  const required = spec.positionals.filter((p) => p.required);
  if (parsed.positionals.length < required.length) {
    const missing = required.slice(parsed.positionals.length).map((p) => `<${p.name}>`);
    throw new UsageError(`missing ${missing.join(' ')}`);
  }
  if (parsed.positionals.length > spec.positionals.length) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[spec.positionals.length])}`);
  }
  return parsed;
}

/** A string option's value; undefined when absent. */
export function stringOption(parsed: Parsed, name: string): string | undefined {
  const v = parsed.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** `a, b,,c` → a, b, c. */
export function splitList(text: string): string[] {
  return text.split(',').map((x) => x.trim()).filter(Boolean);
}

/** A repeatable option's values, each also split on commas (`--to a,b --to c` → a, b, c). */
export function listOption(parsed: Parsed, name: string): string[] | undefined {
  const v = parsed.values[name];
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [String(v)]).flatMap(splitList);
}

/** JSON from the command line; a `UsageError` naming `what` when it does not parse. */
export function jsonArgument(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${what} is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}

/** A whole number ≥ `min`; a `UsageError` naming `what` otherwise. */
export function integerArgument(text: string, what: string, min = 0): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${what} must be a whole number${min > 0 ? ` of at least ${min}` : ''}, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

const pad = (s: string, n: number) => (s.length >= n ? `${s}  ` : s.padEnd(n));

/** The `--help` text of a command. */
export function helpText(spec: CommandSpec): string {
  const lines = [`Usage: herald ${spec.usage}`, '', spec.summary];
  if (spec.description) lines.push('', spec.description);
  if (spec.positionals.length > 0) {
    lines.push('', 'Arguments:');
    const width = Math.max(...spec.positionals.map((p) => p.name.length + 2)) + 2;
    for (const p of spec.positionals) lines.push(`  ${pad(p.required ? `<${p.name}>` : `[${p.name}]`, width)}${p.help}`);
  }
  const all = { ...spec.options, ...HELP_OPTION };
  const flags = Object.entries(all).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.value ? ` ${o.value}` : ''}`;
    return [flag, o.help + (o.multiple ? ' Repeatable.' : '')] as const;
  });
  const width = Math.max(...flags.map(([f]) => f.length)) + 2;
  lines.push('', 'Options:', ...flags.map(([f, h]) => `  ${pad(f, width)}${h}`));
  if (spec.env && spec.env.length > 0) {
    const envWidth = Math.max(...spec.env.map(([n]) => n.length)) + 2;
    lines.push('', 'Environment:', ...spec.env.map(([n, h]) => `  ${pad(n, envWidth)}${h}`));
  }
  if (spec.examples.length > 0) lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  return `${lines.join('\n')}\n`;
}
