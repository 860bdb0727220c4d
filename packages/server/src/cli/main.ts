#!/usr/bin/env node
/**
 * `herald`: the command line of the server package (its `bin`). One file per command in this
 * folder; each is loaded only when it runs, so `herald --help` starts in a blink.
 *
 * Exit codes: 0 done, 1 the server or the token said no (Herald's `CODE: message` on stderr),
 * 2 the command line is wrong (unknown option, missing argument, bad JSON, no credentials).
 */
import fs from 'node:fs';
import { CommandError, EXIT, helpText, parse, UsageError, wantsHelp, type CliContext, type CommandSpec, type Parsed } from './args.js';

/** What each command file exports. */
export interface Command {
  spec: CommandSpec;
  /** The exit code; undefined when the command keeps the process running on its own (`start`). */
  run(parsed: Parsed, ctx: CliContext): Promise<number | undefined>;
}

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  start: { summary: 'Run the Herald server (what `npm start` runs)', load: () => import('./start.js') },
  publish: { summary: 'Publish a message to a channel', load: () => import('./publish.js') },
  notify: { summary: 'Create a notification in users’ inboxes', load: () => import('./notify.js') },
  token: { summary: 'Mint a client token (JWT) for a user', load: () => import('./token.js') },
  tail: { summary: 'Follow a channel live, each message once, in order', load: () => import('./tail.js') },
  stats: { summary: 'Show connections, subscriptions, nodes and message rates', load: () => import('./stats.js') },
  'check-token': { summary: 'Verify a client token and explain why it is refused', load: () => import('./check-token.js') },
};

function version(): string {
  const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function topHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length)) + 2;
  return `Usage: herald <command> [options]

Herald, the self-hosted real-time notification service, from the command line.

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`)
  .join('\n')}

Options:
  -h, --help      Show this help (or a command's: herald <command> --help)
  -v, --version   Print the version

Server and credentials (for publish, notify, token, tail, stats), first match wins:
  --url / --api-key flags
  HERALD_URL / HERALD_API_KEY (or the server's HERALD_API_KEYS, its first key)
  ./data/dev-credentials.json, written by \`herald start\` with dev defaults (not in production)
  The URL defaults to http://127.0.0.1:$HERALD_PORT (4700).

Examples:
  herald start
  herald publish restaurant:7 order:created '{"orderId":42}'
  herald tail restaurant:7 --since 0
  herald check-token "$TOKEN"

Exit codes: 0 success, 1 refused by the server (CODE: message on stderr), 2 bad command line.
`;
}

/** A Herald error from `@herald/node` (or the protocol): a stable code beside the message. */
function heraldCode(err: unknown): { code: string; message: string; details: unknown } | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; message?: unknown; details?: unknown };
  if (typeof e.code !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(e.code) || typeof e.message !== 'string') return undefined;
  return { code: e.code, message: e.message, details: e.details };
}

async function main(argv: string[], ctx: CliContext): Promise<number | undefined> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    ctx.stderr.write(topHelp());
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h') {
    ctx.stdout.write(topHelp());
    return EXIT.ok;
  }
  if (name === 'help') {
    const target = rest[0] === undefined ? undefined : COMMANDS[rest[0]];
    if (rest[0] !== undefined && !target) {
      ctx.stderr.write(`herald: unknown command ${JSON.stringify(rest[0])}. Run 'herald --help' for the list.\n`);
      return EXIT.usage;
    }
    ctx.stdout.write(target ? helpText((await target.load()).spec) : topHelp());
    return EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    ctx.stdout.write(`${version()}\n`);
    return EXIT.ok;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    const what = name.startsWith('-') ? `unknown option ${JSON.stringify(name)}` : `unknown command ${JSON.stringify(name)}`;
    ctx.stderr.write(`herald: ${what}. Run 'herald --help' for the list of commands.\n`);
    return EXIT.usage;
  }

  const command = await entry.load();
  if (wantsHelp(rest)) {
    ctx.stdout.write(helpText(command.spec));
    return EXIT.ok;
  }
  try {
    return await command.run(parse(command.spec, rest), ctx);
  } catch (err) {
    if (err instanceof UsageError) {
      ctx.stderr.write(`herald ${name}: ${err.message}\nRun 'herald ${name} --help' for usage.\n`);
      return EXIT.usage;
    }
    if (err instanceof CommandError) {
      ctx.stderr.write(`herald ${name}: ${err.message}\n`);
      return EXIT.failed;
    }
    const herald = heraldCode(err);
    if (herald) {
      ctx.stderr.write(`herald ${name}: ${herald.code}: ${herald.message}\n`);
      if (herald.details !== undefined) ctx.stderr.write(`  details: ${JSON.stringify(herald.details)}\n`);
      return EXIT.failed;
    }
    throw err;
  }
}

main(process.argv.slice(2), { env: process.env, cwd: process.cwd(), stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err: unknown) => {
    // Not an expected failure: keep the stack for a bug report.
    process.stderr.write(`herald: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = EXIT.failed;
  },
);
