/**
 * `herald start` and `herald tail` end to end, as a developer uses them: `herald start` in an
 * empty directory runs on dev defaults (the `npm start` banner, data/dev-credentials.json),
 * every other command there finds the server and key by itself, and `herald tail` prints each
 * message of its channel once, in seq order, through a SIGTERM and restart of the server, then
 * exits 0 on SIGTERM. Needs `npm run build`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, herald, jsonLines, spawnHerald, type Running } from './cli-helpers.js';
import { tempDir, type WireMessage } from './helpers.js';

/** A line of `tail --json`: the message as delivered. */
type Line = WireMessage;

/** `herald start` in `cwd` on `port`, once its banner is out. */
async function start(cwd: string, env: Record<string, string>): Promise<Running> {
  const server = spawnHerald(['start'], { cwd, env });
  await server.waitFor((out) => /Herald is running at http:\/\/\S+/.test(out) && /eyJ[\w-]+\.[\w-]+\.[\w-]+/.test(out), 20_000, 'the start banner');
  return server;
}

describe('herald start + herald tail', () => {
  it('tail prints every message once, in order, across a server restart; start and tail exit 0 on SIGTERM', { timeout: 90_000 }, async () => {
    const cwd = tempDir('herald-cli-tail-');
    const port = await freePort();
    // HERALD_PORT is all the commands share: start listens there, the others call it there.
    const env = { HERALD_PORT: String(port), HERALD_HOST: '127.0.0.1', HERALD_LOG_LEVEL: 'warn' };
    let server = await start(cwd, env);
    expect(server.stdout).toContain('New dev credentials were generated');
    expect(fs.existsSync(path.join(cwd, 'data', 'dev-credentials.json'))).toBe(true);

    let published = 0;
    const publish = async (event: string) => {
      const r = await herald(['publish', 'restaurant:7', event, JSON.stringify({ n: published + 1 }), '--json'], { cwd, env });
      expect(r.code, r.stderr).toBe(0);
      published += 1;
      expect(JSON.parse(r.stdout).messages[0].seq).toBe(published);
    };
    await publish('before-1');
    await publish('before-2');

    // From the start of the history, and (the other) only what comes after it starts.
    const all = spawnHerald(['tail', 'restaurant:7', '--since', '0', '--json'], { cwd, env });
    const fresh = spawnHerald(['tail', 'restaurant:7', '--json'], { cwd, env });
    const seqs = (t: Running) => jsonLines<Line>(t.stdout).map((m) => m.seq);
    await all.waitFor((out) => jsonLines(out).length >= 2, 15_000, 'the history');
    // The live-only tail shows nothing stored before it started: publish until it prints one.
    while (seqs(fresh).length === 0) {
      await publish('live');
      await new Promise((r) => setTimeout(r, 150));
      expect(published, fresh.stderr).toBeLessThan(60);
    }
    const firstFresh = seqs(fresh)[0]!;
    expect(firstFresh).toBeGreaterThan(2);
    await all.waitFor((out) => jsonLines(out).length === published, 10_000, `seq ${published}`);

    // The server goes away cleanly and comes back on the same port and data.
    const stopped = await server.stop('SIGTERM');
    expect(stopped, server.stderr).toEqual({ code: 0, signal: null });
    await all.waitFor((_out, err) => err.includes('connection lost'), 15_000, 'the lost connection');
    server = await start(cwd, env);
    expect(server.stdout).toContain('Dev credentials: data/dev-credentials.json');
    // Published at once, likely before the tails are back: they get these by replay from their cursor.
    for (let i = 0; i < 3; i++) await publish('after-restart');
    await all.waitFor((_out, err) => err.includes('live again'), 20_000, 'the reconnection');
    for (let i = 0; i < 3; i++) await publish('live-again');
    await all.waitFor((out) => jsonLines(out).length >= published, 15_000, `seq ${published}`);
    await fresh.waitFor((out) => jsonLines(out).some((m: Line) => m.seq === published), 15_000, `seq ${published}`);
    // Anything extra (a duplicate) would arrive right after; give it the time to.
    await new Promise((r) => setTimeout(r, 500));

    const lines = jsonLines<Line>(all.stdout);
    expect(lines.map((m) => m.seq)).toEqual(Array.from({ length: published }, (_, i) => i + 1));
    expect(new Set(lines.map((m) => m.id)).size).toBe(published);
    expect(lines.every((m) => m.channel === 'restaurant:7')).toBe(true);
    expect(lines.map((m) => m.data)).toEqual(Array.from({ length: published }, (_, i) => ({ n: i + 1 })));
    expect(lines.slice(0, 2).map((m) => m.event)).toEqual(['before-1', 'before-2']);
    expect(lines.filter((m) => m.event === 'after-restart')).toHaveLength(3);
    expect(seqs(fresh)).toEqual(Array.from({ length: published - firstFresh + 1 }, (_, i) => firstFresh + i));

    const [allExit, freshExit] = await Promise.all([all.stop('SIGTERM'), fresh.stop('SIGINT')]);
    expect(allExit, all.stderr).toEqual({ code: 0, signal: null });
    expect(freshExit, fresh.stderr).toEqual({ code: 0, signal: null });
    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('tail prints readable lines by default and exits 1 when the server refuses its key', async () => {
    const cwd = tempDir('herald-cli-tail-');
    const port = await freePort();
    const env = { HERALD_PORT: String(port), HERALD_HOST: '127.0.0.1', HERALD_LOG_LEVEL: 'warn' };
    await start(cwd, env);
    const r = await herald(['publish', 'user:alice', 'points_added', '{"points":10}'], { cwd, env });
    expect(r.code, r.stderr).toBe(0);

    const tail = spawnHerald(['tail', 'user:alice', '--since', '0'], { cwd, env });
    await tail.waitFor((out) => out.includes('points_added'), 15_000, 'the message');
    expect(tail.stdout).toMatch(/^#1 {2}\d{4}-\d\d-\d\dT[\d:.]+Z {2}points_added {2}\{"points":10\}\n$/);
    expect(await tail.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    const refused = await herald(['tail', 'broadcast', '--api-key', 'hk_not_this_servers_key_000000000'], { cwd, env, timeoutMs: 15_000 });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/AUTH_INVALID: /);
  });
});
