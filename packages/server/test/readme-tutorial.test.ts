/**
 * The README's dev banner and tutorial, run as a reader runs them: the built `main.js` with
 * nothing configured (what `npm start` runs after its build) in a fresh folder, then the banner's
 * two commands and every marked tutorial block through bash, each in the terminal the README
 * names, with the variables that terminal exported before. Every output the README shows is
 * compared with what came out, ids, timestamps, tokens and socket ids aside. So the commands run
 * as written, each terminal has the variables it uses, and the seq numbers shown are the ones a
 * reader sees after running the banner's sample first.
 *
 * Two substitutions only: the URL (`http://localhost:4700` becomes the port the server got) and
 * the placeholder of the token printed by `npm start`. Needs `npm run build` (done by `npm test`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { tempDir } from './helpers.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = path.join(REPO, 'packages/server/dist/main.js');
const README_URL = 'http://localhost:4700';
const TOKEN_PLACEHOLDER = '<the token from step 3 of the npm start output>';

/** One marked block: `<!-- tutorial: … -->` right before a fenced code block. */
interface Step {
  directive: string;
  code: string;
  line: number;
}

function tutorialSteps(): Step[] {
  const text = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const steps: Step[] = [];
  for (const m of text.matchAll(/<!-- tutorial: ([^>]*?) -->\n```\w*\n([\s\S]*?)```/g)) {
    steps.push({ directive: m[1]!, code: m[2]!, line: text.slice(0, m.index).split('\n').length + 1 });
  }
  return steps;
}

/** What may differ between two runs: ids, times, tokens, socket ids. */
function normalize(text: string): string[] {
  return text
    .replace(/"id":"[0-9A-Z]{26}"/g, '"id":"<id>"')
    .replace(/"(ts|expiresAt)":\d+/g, '"$1":<time>')
    .replace(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g, '<jwt>')
    .replace(/\(socket [^)\s]+\)/g, '(socket <id>)')
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '');
}

/** The shell environment without Herald's variables, as a new terminal has it. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('HERALD_') || k === 'NODE_ENV' || k.startsWith('VITEST') || k === 'TEST' || k === 'ALICE_TOKEN') continue;
    env[k] = v;
  }
  return env;
}

/**
 * A terminal: a folder and the variables exported in it so far (kept in a file that each
 * command sources and rewrites), and at most one command that keeps running in the foreground.
 */
class Terminal {
  private readonly envFile: string;
  private running: { child: ChildProcess; output: () => string; exited: Promise<void> } | undefined;

  constructor(
    readonly name: string,
    private readonly cwd: string,
  ) {
    this.envFile = path.join(cwd, `.terminal-${name}.env`);
    fs.writeFileSync(this.envFile, '');
    onTestFinished(() => this.stop());
  }

  private spawn(code: string) {
    // `export -p` before each command and at the end keeps what was exported for the next command
    // of this terminal, also when the last one is stopped with Ctrl+C (a shell keeps its variables).
    // Written aside and renamed, so that a Ctrl+C in the middle never leaves half a file.
    const save = `export -p > ${JSON.stringify(`${this.envFile}.new`)} && mv -f ${JSON.stringify(`${this.envFile}.new`)} ${JSON.stringify(this.envFile)}`;
    const script = `set -eo pipefail\nsource ${JSON.stringify(this.envFile)}\ntrap '${save}' DEBUG\n${code}\ntrap - DEBUG\n${save}\n`;
    const child = spawn('bash', ['-c', script], { cwd: this.cwd, env: cleanEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return { child, exited, output: () => out, errors: () => err };
  }

  /** Run a command to its end (stopping what ran before, as Ctrl+C would); its stdout. */
  async run(code: string): Promise<string> {
    await this.stop();
    const { child, exited, output, errors } = this.spawn(code);
    await exited;
    expect(child.exitCode, `terminal ${this.name} failed:\n${code}\nstderr:\n${errors()}`).toBe(0);
    return output();
  }

  /** Start a command that keeps running (a script, a long-poll). */
  async start(code: string): Promise<void> {
    await this.stop();
    this.running = this.spawn(code);
  }

  /** Wait until the running command printed `expected` (in order, among its lines). */
  async expectOutput(expected: string[], timeoutMs = 15_000): Promise<void> {
    const running = this.running;
    expect(running, `nothing runs in terminal ${this.name}`).toBeDefined();
    const printed = () => {
      const lines = normalize(running!.output());
      let at = 0;
      for (const line of lines) if (line === expected[at]) at++;
      return at === expected.length;
    };
    const deadline = Date.now() + timeoutMs;
    while (!printed() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(normalize(running!.output())).toEqual(expect.arrayContaining(expected));
    expect(printed(), `terminal ${this.name} printed:\n${running!.output()}`).toBe(true);
  }

  /** Ctrl+C: SIGINT to the command's process group, as a terminal sends it. */
  async stop(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    if (!running || running.child.exitCode !== null || running.child.signalCode !== null) return;
    process.kill(-running.child.pid!, 'SIGINT');
    await Promise.race([running.exited, new Promise((r) => setTimeout(r, 5000))]);
    if (running.child.exitCode === null && running.child.signalCode === null) process.kill(-running.child.pid!, 'SIGKILL');
  }
}

describe('README tutorial', () => {
  it('runs as written after the banner sample, in the terminals it names, with the outputs it shows', async () => {
    expect(fs.existsSync(MAIN), `${MAIN} missing: run npm run build`).toBe(true);
    const cwd = tempDir('herald-tutorial-');
    // The tutorial runs `node examples/subscribe.mjs` from the repository folder.
    fs.symlinkSync(path.join(REPO, 'examples'), path.join(cwd, 'examples'));

    // Terminal 1: npm start (after its build), nothing configured.
    const server = spawn(process.execPath, [MAIN], { cwd, env: { ...cleanEnv(), HERALD_PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const serverExit = new Promise((r) => server.once('exit', r));
    onTestFinished(async () => {
      if (server.exitCode === null) server.kill('SIGKILL');
      await serverExit;
    });
    let banner = '';
    server.stdout.on('data', (d: Buffer) => (banner += d.toString()));
    const deadline = Date.now() + 15_000;
    while (!/eyJ[\w-]+\.[\w-]+\.[\w-]+/.test(banner) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const url = /Herald is running at (http:\/\/\S+)/.exec(banner)?.[1];
    const token = /eyJ[\w-]+\.[\w-]+\.[\w-]+/.exec(banner)?.[0];
    expect(url, banner).toBeDefined();
    expect(token, banner).toBeDefined();
    const local = (text: string) => text.replaceAll(README_URL, url!).replaceAll(TOKEN_PLACEHOLDER, token!);

    const terminals = new Map<string, Terminal>();
    const terminal = (name: string) => terminals.get(name) ?? terminals.set(name, new Terminal(name, cwd)).get(name)!;

    // The banner's steps 1 and 2, run first in terminal 2 as a reader would.
    const keyLine = /^\s*(export HERALD_API_KEY=\S+)$/m.exec(banner)?.[1];
    const curl = /^\s*(curl -s \S+\/v1\/publish \\\n[\s\S]*?-d '[^']*')$/m.exec(banner)?.[1];
    expect(keyLine, banner).toBeDefined();
    expect(curl, banner).toBeDefined();
    const sample = await terminal('2').run(`${keyLine}\n${curl!.replace(/\n\s+/g, '\n  ')}`);
    expect(normalize(sample)).toEqual(['{"messages":[{"channel":"broadcast","seq":1,"id":"<id>"}]}']);

    const steps = tutorialSteps();
    expect(steps.length, 'no marked tutorial blocks found in README.md').toBeGreaterThan(10);
    let lastOutput: string | undefined;
    for (const step of steps) {
      const where = `README.md line ${step.line} (${step.directive})`;
      const run = /^terminal (\d+)(, keeps running)?$/.exec(step.directive);
      const shown = /^output(?: of terminal (\d+))?$/.exec(step.directive);
      if (run) {
        if (run[2]) {
          await terminal(run[1]!).start(local(step.code));
          lastOutput = undefined;
        } else {
          lastOutput = await terminal(run[1]!).run(local(step.code));
        }
      } else if (shown?.[1]) {
        await terminal(shown[1]).expectOutput(normalize(local(step.code)));
      } else if (shown) {
        expect(lastOutput, `${where}: an output shown after no command that ends`).toBeDefined();
        expect(normalize(lastOutput!), where).toEqual(normalize(local(step.code)));
      } else {
        throw new Error(`${where}: unknown directive`);
      }
    }
    for (const t of terminals.values()) await t.stop();
  }, 90_000);
});
