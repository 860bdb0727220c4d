/**
 * `HERALD_WORKERS=2` on the built binary (`npm run build` first), on PostgreSQL and Redis: a
 * primary and two workers share one port; every request of an Engine.IO session reaches the
 * worker that created it (long-polling only, polling then upgrade, all through one keep-alive
 * agent that would happily reuse one session's connection for another); what one worker stores
 * reaches the sockets of the other; a worker killed with SIGKILL is replaced while the port keeps
 * answering; SIGTERM stops everything with exit code 0; a worker that cannot start fails the start.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { connectClient, heraldAt, keepAliveAgent, transportOf, upgraded } from './cluster/clients.js';
import { alive, cleanEnv, freePort, MAIN, requireBuild, sleep, spawnProc, waitForHttp, type Proc } from './cluster/processes.js';
import { publish, request, signToken, tempDir, type Client, type Herald } from './helpers.js';
import { testDatabase } from './pg-database.js';
import { freshPrefix, REDIS_URL } from './redis-admin.js';

interface Workers {
  h: Herald;
  proc: Proc;
  /** Pids of the workers started so far, in order, with their node ids. */
  started(): { pid: number; nodeId: string }[];
}

/** The binary with two workers on a free port, its own database and Redis prefix. */
async function startWorkers(extra: Record<string, string> = {}): Promise<Workers> {
  requireBuild();
  const port = await freePort();
  const secret = `test-secret-${randomBytes(24).toString('hex')}`;
  const apiKey = `hk_test_${randomBytes(18).toString('hex')}`;
  const env = cleanEnv({
    HERALD_WORKERS: '2',
    HERALD_PORT: String(port),
    HERALD_HOST: '127.0.0.1',
    HERALD_DATABASE_URL: await testDatabase(),
    HERALD_REDIS_URL: REDIS_URL,
    HERALD_REDIS_PREFIX: freshPrefix(),
    HERALD_JWT_SECRET: secret,
    HERALD_API_KEYS: apiKey,
    HERALD_LOG_LEVEL: 'info',
    ...extra,
  });
  const proc = spawnProc('herald (2 workers)', process.execPath, [MAIN], { env, cwd: tempDir('herald-workers-') });
  await proc.waitForOutput(/"msg":"Herald is listening"/, 30_000);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/readyz`, { proc });
  const started = () =>
    [...proc.output().matchAll(/"workerPid":(\d+),"nodeId":"([^"]+)","msg":"worker started"/g)].map((m) => ({ pid: Number(m[1]), nodeId: m[2]! }));
  return { h: heraldAt(url, apiKey, secret), proc, started };
}

const token = (h: Herald, sub: string) => signToken(h, { sub, channels: ['w:*'] });

/** Subscribe client i to channel `w:<i>` (an ack each: a round trip through its session). */
async function subscribeEach(clients: Client[]): Promise<void> {
  await Promise.all(clients.map(async (c, i) => expect((await c.subscribe(`w:${i}`)).ok).toBe(true)));
}

/** Publish one message to each client's channel and see each arrive. */
async function roundTrip(h: Herald, clients: Client[], round: number): Promise<void> {
  for (const [i] of clients.entries()) await publish(h, { channel: `w:${i}`, event: 'round', data: { round } });
  await Promise.all(clients.map((c, i) => c.waitFor((m) => m.channel === `w:${i}` && (m.data as { round: number }).round === round, 10_000)));
}

describe('HERALD_WORKERS=2 (built binary, PostgreSQL, Redis)', () => {
  it('keeps every long-polling session on its worker, 20 clients through one keep-alive agent, round after round', async () => {
    const { h, proc } = await startWorkers();
    // One agent for all: it would reuse a connection of one session for the next request of another.
    const agent = keepAliveAgent();
    const clients = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => connectClient(h.url, await token(h, `poll-${i}`), { transports: ['polling'], agent })),
    );
    await subscribeEach(clients);
    for (let round = 1; round <= 3; round++) await roundTrip(h, clients, round);
    // Acks travel as POSTs answered on the session's pending GET: misrouted, the session would end.
    for (const c of clients) {
      expect(transportOf(c)).toBe('polling');
      expect(c.disconnects).toBe(0);
      expect(c.socket.connected).toBe(true);
    }
    expect(proc.output().match(/Herald is listening/g)).toHaveLength(1);
  }, 60_000);

  it('upgrades from polling to WebSocket through the port, sessions intact', async () => {
    const { h } = await startWorkers();
    const agent = keepAliveAgent();
    const clients = await Promise.all(Array.from({ length: 10 }, async (_, i) => connectClient(h.url, await token(h, `up-${i}`), { agent })));
    await Promise.all(clients.map((c) => upgraded(c)));
    await subscribeEach(clients);
    await roundTrip(h, clients, 1);
    for (const c of clients) expect([transportOf(c), c.disconnects]).toEqual(['websocket', 0]);
  }, 60_000);

  it("delivers what one worker stores to the other worker's sockets, once and in order", async () => {
    const { h } = await startWorkers();
    // The primary hands connections to the workers in turn: ten WebSocket clients connected one
    // after the other land five on each, and ten publishes one after the other (each on a new
    // connection: workers answer `Connection: close`) are stored five by each.
    const clients: Client[] = [];
    for (let i = 0; i < 10; i++) clients.push(await connectClient(h.url, await token(h, `x-${i}`), { transports: ['websocket'] }));
    for (const c of clients) expect((await c.subscribe('w:shared')).ok).toBe(true);
    for (let n = 1; n <= 10; n++) await publish(h, { channel: 'w:shared', event: 'n', data: { n } });
    for (const c of clients) {
      await c.waitFor((m) => m.channel === 'w:shared' && m.seq === 10, 10_000);
      expect(c.on('w:shared').map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    }
    // Both workers count: each hears the other's connections in its heartbeats (once a second).
    const deadline = Date.now() + 5000;
    let stats = await request(h, 'GET', '/v1/stats');
    while (stats.body.connections !== 10 && Date.now() < deadline) {
      await sleep(100);
      stats = await request(h, 'GET', '/v1/stats');
    }
    expect(stats.body).toMatchObject({ nodes: 2, connections: 10 });
  }, 60_000);

  it('replaces a worker killed with SIGKILL while the port keeps answering', async () => {
    const { h, proc, started } = await startWorkers();
    const [first, second] = started();
    expect(first!.nodeId).toMatch(/-w1$/);
    expect(second!.nodeId).toMatch(/-w2$/);
    /** Failures of requests sent once the primary had seen the worker die: there must be none. */
    const failures: string[] = [];
    /** Failures of requests sent before that: the dead worker's own connections, lost with it. */
    const lostWithWorker: string[] = [];
    let answered = 0;
    let answeredAfterExit = 0;
    const replaced = () => /"nodeId":"[^"]+-w1\.1","msg":"worker ready"/.test(proc.output());
    const exited = () => /"msg":"worker exited; restarting it"/.test(proc.output());
    const deadline = Date.now() + 15_000;
    // Four clients keep asking while the worker dies and is replaced. What was in flight on the
    // killed worker dies with it (its connections were handed to it); every request sent after
    // the primary saw it go is answered, by the other worker, then by both.
    const ask = async () => {
      while (!replaced()) {
        if (Date.now() > deadline) throw new Error(`no replacement worker within 15 s\n${proc.output()}`);
        const afterExit = exited();
        const res = await fetch(`${h.url}/healthz`, { signal: AbortSignal.timeout(3000) }).catch((err: Error) => err);
        if (res instanceof Error || res.status !== 200) (afterExit ? failures : lostWithWorker).push(res instanceof Error ? res.message : String(res.status));
        else {
          answered++;
          if (afterExit) answeredAfterExit++;
        }
      }
    };
    const asking = Promise.all([ask(), ask(), ask(), ask()]);
    await sleep(50);
    process.kill(first!.pid, 'SIGKILL');
    await asking;
    expect(failures).toEqual([]);
    // At most a request or two per client, sent in the moment between the kill and the exit.
    expect(lostWithWorker.length).toBeLessThanOrEqual(8);
    expect(answered).toBeGreaterThan(20);
    expect(answeredAfterExit).toBeGreaterThan(4);
    expect(proc.output()).toMatch(/"signal":"SIGKILL".*"msg":"worker exited; restarting it"/);
    expect(started()[2]!.nodeId).toMatch(/-w1\.1$/);
    expect(proc.running()).toBe(true);
    // Both workers serve: sockets land on each in turn and all get what is published.
    const clients: Client[] = [];
    for (let i = 0; i < 4; i++) clients.push(await connectClient(h.url, await token(h, `after-${i}`), { transports: ['websocket'] }));
    await subscribeEach(clients);
    await roundTrip(h, clients, 1);
  }, 60_000);

  it('stops the primary and every worker on SIGTERM, with exit code 0', async () => {
    const { h, proc, started } = await startWorkers();
    const c = await connectClient(h.url, await token(h, 'bye'), { transports: ['polling'] });
    const signalled = Date.now();
    const result = await proc.stop('SIGTERM', 15_000);
    expect(result, proc.output()).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(10_000);
    for (const w of started()) expect(alive(w.pid)).toBe(false);
    await sleep(100);
    expect(c.socket.connected).toBe(false);
  }, 60_000);

  it('fails the start with exit code 1 when a worker cannot start', async () => {
    requireBuild();
    const proc = spawnProc('herald (bad database)', process.execPath, [MAIN], {
      cwd: tempDir('herald-workers-'),
      env: cleanEnv({
        HERALD_WORKERS: '2',
        HERALD_PORT: String(await freePort()),
        HERALD_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing',
        HERALD_REDIS_URL: REDIS_URL,
        HERALD_JWT_SECRET: `test-secret-${randomBytes(24).toString('hex')}`,
        HERALD_API_KEYS: `hk_test_${randomBytes(18).toString('hex')}`,
      }),
    });
    const result = await Promise.race([proc.exited, sleep(20_000).then(() => 'timeout' as const)]);
    expect(result, proc.output()).toEqual({ code: 1, signal: null });
    expect(proc.output()).toMatch(/a worker failed to start/);
  }, 30_000);
});
