/**
 * The `herald` command line (README, "Command line"), driven as a person would: the built binary
 * in a child process against a real server on port 0. It proves each command does what its help
 * says through the wire contract (history, inbox, token acceptance), that credentials are taken
 * from flags, then the environment, then data/dev-credentials.json, that a wrong command line
 * exits 2 without calling the server and a refusal exits 1 with Herald's `CODE: message`, and
 * that check-token's verdict is the server's own. Needs `npm run build`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, herald } from './cli-helpers.js';
import { algNoneToken, history, request, signToken, startHerald, tempDir, type Herald } from './helpers.js';

const COMMANDS = ['start', 'publish', 'notify', 'token', 'tail', 'stats', 'check-token'];
const API_COMMANDS = ['publish', 'notify', 'token', 'tail', 'stats'];

/** Flags pointing the CLI at `h`. */
const at = (h: Herald) => ['--url', h.url, '--api-key', h.apiKey];

/** A directory holding a dev credentials file, as `herald start` leaves it. */
function devDir(credentials: { apiKey: string; jwtSecret: string }): string {
  const dir = tempDir('herald-cli-dev-');
  fs.mkdirSync(path.join(dir, 'data'));
  fs.writeFileSync(path.join(dir, 'data', 'dev-credentials.json'), JSON.stringify(credentials), { mode: 0o600 });
  return dir;
}

describe('herald --help', () => {
  it('documents every command: usage, options, examples, and the environment of those that call the server', async () => {
    const cwd = tempDir();
    const top = await herald(['--help'], { cwd });
    expect(top.code).toBe(0);
    for (const name of COMMANDS) expect(top.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(top.stdout).toContain('HERALD_API_KEY');

    const helps = await Promise.all(COMMANDS.map((name) => herald([name, '--help'], { cwd })));
    for (const [i, name] of COMMANDS.entries()) {
      const h = helps[i]!;
      expect(h.code, `${name} --help: ${h.stderr}`).toBe(0);
      expect(h.stdout).toMatch(new RegExp(`^Usage: herald ${name}`));
      expect(h.stdout).toContain('Options:');
      expect(h.stdout).toContain('--help');
      expect(h.stdout).toContain('Examples:');
      expect(h.stdout).toContain('Environment:');
      if (API_COMMANDS.includes(name)) {
        for (const s of ['--url', '--api-key', 'HERALD_URL', 'HERALD_API_KEY']) expect(h.stdout, `${name} --help`).toContain(s);
      }
    }
    // -h, `herald help <command>` and --help after arguments say the same.
    const [short, viaHelp, afterArgs] = await Promise.all([
      herald(['publish', '-h'], { cwd }),
      herald(['help', 'publish'], { cwd }),
      herald(['publish', 'restaurant:7', '--help'], { cwd }),
    ]);
    expect(short.stdout).toBe(helps[1]!.stdout);
    expect(viaHelp.stdout).toBe(helps[1]!.stdout);
    expect(afterArgs.stdout).toBe(helps[1]!.stdout);
  });
});

describe('a wrong command line exits 2 with a message, without calling the server', () => {
  it('names the problem and points at --help', async () => {
    const cwd = tempDir();
    // A port nothing listens on: were any of these to call the server, it would fail with 1.
    const env = { HERALD_URL: `http://127.0.0.1:${await freePort()}`, HERALD_API_KEY: 'hk_unused_key_000000000000000' };
    const cases: [string[], RegExp][] = [
      [[], /Usage: herald <command>/],
      [['bogus'], /unknown command "bogus"/],
      [['--bogus'], /unknown option "--bogus"/],
      [['publish', 'broadcast'], /missing <event>/],
      [['publish', 'broadcast', 'ev', '{"a":'], /the data argument is not valid JSON/],
      [['publish', 'broadcast', 'ev', 'null', 'extra'], /unexpected argument "extra"/],
      [['publish', 'broadcast', 'ev', '--nope'], /Unknown option '--nope'/],
      [['notify', '--to', 'user:1', '--type', 't'], /missing --title/],
      [['notify', '--to', 'user:1', '--type', 't', '--title', 'x', '--priority', 'extreme'], /--priority must be one of low, normal, high, urgent/],
      [['notify', '--to', 'user:1', '--type', 't', '--title', 'x', '--data', '{nope}'], /--data is not valid JSON/],
      [['token', 'alice', '--ttl', 'soon'], /--ttl must be/],
      [['tail', 'not a channel'], /is not a channel name/],
      [['tail', 'broadcast', '--since', '-1'], /--since/],
      [['stats', '--url', 'ftp://example.com'], /http:\/\/ or https:\/\//],
      [['check-token'], /missing <jwt>/],
      [['start', '--port', 'eighty'], /--port must be a whole number/],
    ];
    const results = await Promise.all(cases.map(([args]) => herald(args, { cwd, env })));
    for (const [i, [args, message]] of cases.entries()) {
      const r = results[i]!;
      expect(r.code, `herald ${args.join(' ')}\n${r.stderr}`).toBe(2);
      expect(r.stderr, `herald ${args.join(' ')}`).toMatch(message);
      expect(r.stdout).toBe('');
    }
    expect(results[3]!.stderr).toContain("Run 'herald publish --help' for usage.");
  });

  it('says where to find an API key when there is none, and ignores the dev file in production', async () => {
    const empty = tempDir();
    const none = await herald(['stats'], { cwd: empty });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no API key: pass --api-key, set HERALD_API_KEY/);

    const dev = devDir({ apiKey: 'hk_dev_file_key_00000000000000', jwtSecret: 'x'.repeat(48) });
    const production = await herald(['stats'], { cwd: dev, env: { NODE_ENV: 'production' } });
    expect(production.code).toBe(2);
    expect(production.stderr).toMatch(/no API key/);
  });
});

describe('herald publish / notify / token / stats against a real server', () => {
  it('publish stores the message: the channel history holds it with its data; stdin and several channels work', async () => {
    const h = await startHerald();
    const cwd = tempDir();
    const first = await herald(['publish', 'restaurant:7', 'order:created', '{"orderId":42,"total":18.5}', ...at(h)], { cwd });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^published order:created to restaurant:7: seq 1, id \w+/);

    const piped = await herald(['publish', 'restaurant:7,broadcast', 'order:updated', '-', '--json', ...at(h)], { cwd, input: '{"status":"cooking"}' });
    expect(piped.code, piped.stderr).toBe(0);
    const answer = JSON.parse(piped.stdout) as { messages: { channel: string; seq: number; id: string }[] };
    expect(answer.messages.map((m) => [m.channel, m.seq])).toEqual([
      ['restaurant:7', 2],
      ['broadcast', 1],
    ]);

    const bare = await herald(['publish', 'restaurant:7', 'ping', ...at(h)], { cwd });
    expect(bare.code, bare.stderr).toBe(0);

    const { messages } = await history(h, 'restaurant:7', 0);
    expect(messages.map((m) => [m.seq, m.event, m.data])).toEqual([
      [1, 'order:created', { orderId: 42, total: 18.5 }],
      [2, 'order:updated', { status: 'cooking' }],
      [3, 'ping', null],
    ]);
    expect(messages[1]!.id).toBe(answer.messages[0]!.id);
  });

  it('publish with an idempotency key stores once', async () => {
    const h = await startHerald();
    const cwd = tempDir();
    const args = ['publish', 'booking:99', 'booking:accepted', '{"id":99}', '--idempotency-key', 'cli-test-1', '--json', ...at(h)];
    const a = await herald(args, { cwd });
    const b = await herald(args, { cwd });
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(b.stdout)).toEqual(JSON.parse(a.stdout));
    expect((await history(h, 'booking:99', 0)).head).toBe(1);
  });

  it('notify puts the notification in the inbox of the user it is addressed to', async () => {
    const h = await startHerald();
    const cwd = tempDir();
    const r = await herald(
      [
        'notify',
        '--to',
        'user:alice',
        '--type',
        'order_ready',
        '--title',
        'Your order is ready',
        '--body',
        'Table 5',
        '--data',
        '{"orderId":42}',
        '--action-url',
        '/orders/42',
        '--priority',
        'high',
        '--json',
        ...at(h),
      ],
      { cwd },
    );
    expect(r.code, r.stderr).toBe(0);
    const { notifications } = JSON.parse(r.stdout) as { notifications: { id: string; channel: string }[] };
    expect(notifications).toHaveLength(1);

    const token = await signToken(h, { sub: 'alice' });
    const inbox = await request(h, 'GET', '/v1/inbox', undefined, { auth: token });
    expect(inbox.status).toBe(200);
    expect(inbox.body.unread).toBe(1);
    expect(inbox.body.items).toHaveLength(1);
    expect(inbox.body.items[0]).toMatchObject({
      id: notifications[0]!.id,
      channel: 'user:alice',
      type: 'order_ready',
      title: 'Your order is ready',
      body: 'Table 5',
      data: { orderId: 42 },
      actionUrl: '/orders/42',
      priority: 'high',
    });

    // --to is repeatable and takes commas; the human output names each channel.
    const many = await herald(['notify', '--to', 'role:admin,broadcast', '--to', 'restaurant:7', '--type', 'news', '--title', 'Hi', ...at(h)], { cwd });
    expect(many.code, many.stderr).toBe(0);
    expect(many.stdout.trim().split('\n').map((l) => /^notified ([^:]+:?[^:]*):/.exec(l)?.[1])).toEqual(['role:admin', 'broadcast', 'restaurant:7']);
  });

  it('token mints a token the server accepts, with the roles, channel grants and lifetime asked for', async () => {
    const h = await startHerald();
    const cwd = tempDir();
    const r = await herald(['token', 'alice', '--roles', 'admin', '--channels', 'restaurant:*,session:9', '--ttl', '15m', ...at(h)], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const token = r.stdout.trim();
    // Only the token on stdout, so TOKEN=$(herald token …) works.
    expect(token).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ sub: 'alice', roles: ['admin'], channels: ['restaurant:*', 'session:9'] });
    expect((claims.exp as number) - (claims.iat as number)).toBe(900);

    expect((await request(h, 'GET', '/v1/inbox/unread-count', undefined, { auth: token })).status).toBe(200);
    expect((await request(h, 'GET', '/v1/channels/restaurant%3A7/history', undefined, { auth: token })).status).toBe(200);
    expect((await request(h, 'GET', '/v1/channels/session%3A8/history', undefined, { auth: token })).status).toBe(403);

    const json = await herald(['token', 'bob', '--json', ...at(h)], { cwd });
    const minted = JSON.parse(json.stdout) as { token: string; expiresAt: number };
    expect(minted.expiresAt - Date.now()).toBeGreaterThan(3500_000);
    expect(minted.expiresAt - Date.now()).toBeLessThanOrEqual(3600_000);
  });

  it('stats shows the cluster figures', async () => {
    const h = await startHerald();
    const cwd = tempDir();
    const json = await herald(['stats', '--json', ...at(h)], { cwd });
    expect(json.code, json.stderr).toBe(0);
    const stats = JSON.parse(json.stdout);
    expect(stats).toMatchObject({ connections: 0, subscriptions: 0, nodes: 1 });
    expect(stats.rates).toEqual({ publishedPerSecond: expect.any(Number), deliveredPerSecond: expect.any(Number), windowSeconds: expect.any(Number) });
    const human = await herald(['stats', ...at(h)], { cwd });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^connections\s+0$/m);
    expect(human.stdout).toMatch(/^nodes\s+1$/m);
  });

  it("a refusal exits 1 with Herald's CODE: message, and never prints the API key", async () => {
    const h = await startHerald();
    const cwd = tempDir();
    const invalid = await herald(['publish', 'restaurant 7!', 'ev', ...at(h)], { cwd });
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^herald publish: VALIDATION_FAILED: /);

    const wrongKey = 'hk_wrong_key_for_this_server_0000';
    const refused = await herald(['stats', '--url', h.url, '--api-key', wrongKey], { cwd });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^herald stats: AUTH_INVALID: /);
    expect(refused.stderr + refused.stdout).not.toContain(wrongKey);

    const down = await herald(['publish', 'broadcast', 'ev', '--url', `http://127.0.0.1:${await freePort()}`, '--api-key', h.apiKey], { cwd });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^herald publish: NETWORK: /);
    expect(down.stderr).not.toContain(h.apiKey);
  });
});

describe('credentials: flags, then the environment, then data/dev-credentials.json', () => {
  it('takes the API key and URL from the first source that has them', async () => {
    const h = await startHerald();
    const good = h.apiKey;
    const bad = 'hk_not_this_servers_key_000000000';
    const goodDev = devDir({ apiKey: good, jwtSecret: h.secret });
    const badDev = devDir({ apiKey: bad, jwtSecret: h.secret });
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const port = new URL(h.url).port;
    const stats = (cwd: string, env: Record<string, string>, flags: string[] = []) => herald(['stats', '--json', ...flags], { cwd, env });

    const cases: [string, Promise<{ code: number | null; stderr: string }>, number][] = [
      ['flag key beats env and dev file', stats(badDev, { HERALD_URL: h.url, HERALD_API_KEY: bad }, ['--api-key', good]), 0],
      ['flag key beats a good env key', stats(goodDev, { HERALD_URL: h.url, HERALD_API_KEY: good }, ['--api-key', bad]), 1],
      ['env key beats the dev file', stats(badDev, { HERALD_URL: h.url, HERALD_API_KEY: good }), 0],
      ['env key beats a good dev file', stats(goodDev, { HERALD_URL: h.url, HERALD_API_KEY: bad }), 1],
      ["the server's HERALD_API_KEYS beat the dev file", stats(badDev, { HERALD_URL: h.url, HERALD_API_KEYS: `${good},${bad}` }), 0],
      ['the dev file when nothing else', stats(goodDev, { HERALD_URL: h.url }), 0],
      ['flag URL beats env URL', stats(goodDev, { HERALD_URL: nowhere }, ['--url', h.url]), 0],
      ['env URL beats HERALD_PORT', stats(goodDev, { HERALD_URL: nowhere, HERALD_PORT: port }), 1],
      ['HERALD_PORT gives the default URL', stats(goodDev, { HERALD_PORT: port }), 0],
    ];
    const results = await Promise.all(cases.map(([, run]) => run));
    for (const [i, [what, , code]] of cases.entries()) expect(results[i]!.code, `${what}\n${results[i]!.stderr}`).toBe(code);
  });
});

describe('herald check-token', () => {
  /** check-token's verdict, and the server's own answer to the same token. */
  async function verdict(h: Herald, token: string, extra: string[] = []) {
    const cwd = tempDir();
    const r = await herald(['check-token', token, '--json', ...extra], { cwd, env: { HERALD_JWT_SECRET: h.secret } });
    const server = await request(h, 'GET', '/v1/inbox/unread-count', undefined, { auth: token });
    return { code: r.code, out: r.stdout ? JSON.parse(r.stdout) : undefined, stderr: r.stderr, server };
  }

  it('accepts what the server accepts and lists what the token entitles', async () => {
    const h = await startHerald();
    const token = await signToken(h, { sub: 'alice', roles: ['admin'], channels: ['restaurant:*', 'session:9'] });
    const v = await verdict(h, token, ['--channel', 'restaurant:7']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.server.status).toBe(200);
    expect(v.out).toMatchObject({ valid: true, reason: 'accepted', checkedWith: 'HERALD_JWT_SECRET' });
    expect(v.out.entitlement).toMatchObject({ sub: 'alice', roles: ['admin'], channels: ['restaurant:*', 'session:9'], channel: { name: 'restaurant:7', entitled: true } });
    // The inbox: own, roles', broadcast and exact grants (a ns:* grant opens channels, not an inbox).
    expect(v.out.entitlement.inboxChannels).toEqual(['user:alice', 'role:admin', 'broadcast', 'session:9']);

    const other = await verdict(h, token, ['--channel', 'user:bob']);
    expect(other.out.entitlement.channel).toEqual({ name: 'user:bob', entitled: false });

    const human = await herald(['check-token', token], { cwd: tempDir(), env: { HERALD_JWT_SECRET: h.secret } });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^Token accepted/);
    expect(human.stdout).toMatch(/inbox\s+user:alice, role:admin, broadcast, session:9/);
  });

  it('explains each refusal, with the code the server answers the same token with', async () => {
    const h = await startHerald();
    const now = Math.floor(Date.now() / 1000);
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const tokens: [string, string, string, RegExp][] = [
      ['expired', await signToken(h, { sub: 'alice' }, { expiresIn: -3600 }), 'AUTH_EXPIRED', /expired at .*30 s of clock leeway/],
      ['bad-signature', await signToken(h, { sub: 'alice' }, { secret: 's'.repeat(40) }), 'AUTH_INVALID', /signature does not match/],
      ['alg-none', algNoneToken({ sub: 'alice' }), 'AUTH_INVALID', /alg "none"/],
      ['alg-not-allowed', await signToken(h, { sub: 'alice' }, { alg: 'HS512' }), 'AUTH_INVALID', /alg "HS512", which this server does not accept/],
      ['malformed', 'not-a-jwt', 'AUTH_INVALID', /malformed: it has 1 part/],
      ['malformed', `${b64({ alg: 'HS256' }).slice(0, -2)}!!.${b64({ sub: 'a' })}.sig`, 'AUTH_INVALID', /malformed/],
      ['not-yet-valid', await signToken(h, { sub: 'alice', nbf: now + 3600 }), 'AUTH_INVALID', /nbf claim says it is not valid before/],
      ['claims', await signToken(h, {}), 'AUTH_INVALID', /it has no sub/],
    ];
    for (const [reason, token, code, explanation] of tokens) {
      const v = await verdict(h, token);
      expect(v.code, `${reason}: ${v.stderr}`).toBe(1);
      expect(v.out, reason).toMatchObject({ valid: false, reason, code });
      expect(v.out.explanation, reason).toMatch(explanation);
      // The verdict is the server's: the API refuses the same token with the same code.
      expect(v.server.status, reason).toBe(401);
      expect(v.server.body.error.code, reason).toBe(code);
    }
  });

  it("uses the server's leeway: a token expired 10 s ago is still accepted", async () => {
    const h = await startHerald();
    const v = await verdict(h, await signToken(h, { sub: 'alice' }, { expiresIn: -10 }));
    expect(v.code, v.stderr).toBe(0);
    expect(v.server.status).toBe(200);
  });

  it('verifies with the dev secret of data/dev-credentials.json when no key is configured, and reads the token from stdin', async () => {
    const h = await startHerald();
    const cwd = devDir({ apiKey: h.apiKey, jwtSecret: h.secret });
    const token = await signToken(h, { sub: 'alice' });
    const r = await herald(['check-token', '-', '--json'], { cwd, input: `${token}\n` });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: true, checkedWith: 'the dev secret in data/dev-credentials.json' });
    // The secret itself is never printed.
    expect(r.stdout).not.toContain(h.secret);

    const human = await herald(['check-token', await signToken(h, { sub: 'alice' }, { secret: 'z'.repeat(40) })], { cwd });
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^Token refused: AUTH_INVALID/);
    expect(human.stdout).not.toContain(h.secret);

    const nothing = await herald(['check-token', token], { cwd: tempDir() });
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/nothing to verify with: set HERALD_JWT_SECRET or HERALD_JWKS_URL/);
  });
});
