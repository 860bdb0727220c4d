/**
 * engine.io's heartbeat on one sweep (`src/gateway/ping-sweep.ts`), on a real Socket.IO server
 * with a short ping interval: a live client keeps being pinged and stays connected (across the
 * polling → WebSocket upgrade), a client that never answers is closed for `ping timeout`, and a
 * closed connection leaves nothing on the sweep.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createExpirySweep, type Expiring, type ExpirySweep } from '../src/gateway/expiry-sweep.js';
import { sweepPings } from '../src/gateway/ping-sweep.js';

const PING_INTERVAL = 300;
/** The least with which the sweep takes over (it may ping up to a second late). */
const PING_TIMEOUT = 2_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A real sweep that also counts what it watches. */
function countingSweep(): ExpirySweep & { readonly watched: number; added: number } {
  const inner = createExpirySweep((err) => {
    throw err;
  });
  const items = new Set<Expiring>();
  return {
    added: 0,
    get watched() {
      return items.size;
    },
    add(item) {
      this.added++;
      items.add(item);
      inner.add(item);
    },
    delete(item) {
      items.delete(item);
      inner.delete(item);
    },
    stop: () => inner.stop(),
  };
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function start(): Promise<{ io: Server; url: string; sweep: ReturnType<typeof countingSweep>; closes: string[] }> {
  const http: HttpServer = createServer();
  const io = new Server(http, { pingInterval: PING_INTERVAL, pingTimeout: PING_TIMEOUT });
  const sweep = countingSweep();
  sweepPings(io.engine, sweep);
  const closes: string[] = [];
  io.engine.on('connection', (raw: { on(event: 'close', fn: (reason: string) => void): void }) => raw.on('close', (reason) => closes.push(reason)));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanup.push(async () => {
    sweep.stop();
    io.close();
    await new Promise((resolve) => http.close(resolve));
  });
  return { io, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, sweep, closes };
}

describe('heartbeat pings on one sweep', () => {
  it('keeps pinging a live client, which stays connected across the upgrade', async () => {
    const { url, sweep, closes } = await start();
    const client = connect(url, { reconnection: false });
    cleanup.push(async () => void client.close());
    let pings = 0;
    client.io.on('ping', () => pings++);
    await new Promise<void>((resolve) => client.on('connect', () => resolve()));
    // The connection's ping timer is the sweep's.
    expect(sweep.watched).toBe(1);
    await sleep(4_000);
    expect(pings).toBeGreaterThanOrEqual(2);
    expect(client.connected).toBe(true);
    expect(client.io.engine.transport.name).toBe('websocket');
    expect(closes).toEqual([]);
  });

  it('closes a client that stops answering pings, and forgets its timer', async () => {
    const { url, sweep, closes } = await start();
    // An engine.io session opened over long-polling that then never polls, so never answers a ping.
    const res = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
    const body = await res.text();
    const { sid } = JSON.parse(body.slice(1)) as { sid: string };
    expect(sweep.watched).toBe(1);
    const deadline = Date.now() + PING_INTERVAL + 1_000 + PING_TIMEOUT + 1_000;
    while (closes.length === 0 && Date.now() < deadline) await sleep(50);
    expect(closes).toEqual(['ping timeout']);
    expect(sweep.watched).toBe(0);
    const again = await fetch(`${url}/socket.io/?EIO=4&transport=polling&sid=${sid}`);
    expect(again.status).toBe(400);
  });

  it('leaves the timers to engine.io when pingTimeout is too short for the sweep', async () => {
    const http = createServer();
    const io = new Server(http, { pingInterval: 300, pingTimeout: 1_000 });
    cleanup.push(async () => void io.close());
    const sweep = countingSweep();
    sweepPings(io.engine, sweep);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const client = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, { reconnection: false, transports: ['websocket'] });
    cleanup.push(async () => void client.close());
    let pings = 0;
    client.io.on('ping', () => pings++);
    await new Promise<void>((resolve) => client.on('connect', () => resolve()));
    await sleep(1_000);
    expect(sweep.added).toBe(0);
    expect(pings).toBeGreaterThanOrEqual(2);
    expect(client.connected).toBe(true);
  });

  it('forgets the timer of a connection that closes', async () => {
    const { url, sweep, closes } = await start();
    const client = connect(url, { reconnection: false, transports: ['websocket'] });
    await new Promise<void>((resolve) => client.on('connect', () => resolve()));
    expect(sweep.watched).toBe(1);
    client.close();
    while (closes.length === 0) await sleep(20);
    expect(sweep.watched).toBe(0);
    expect(sweep.added).toBeGreaterThanOrEqual(1);
  });
});
