/**
 * Live delivery writes one prebuilt WebSocket frame per broadcast straight to each socket when
 * nothing of that socket waits in engine.io, and goes through engine.io's queue otherwise
 * (`src/gateway/outgoing.ts`). These tests hold that to the wire: every frame length class of
 * RFC 6455 arrives intact, and the order stays exact while a client moves from long-polling to
 * WebSocket in the middle of a stream, when both paths are taken.
 */
import { MAX_DATA_BYTES } from '@herald/protocol';
import { io } from 'socket.io-client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { textFrame } from '../src/gateway/outgoing.js';
import { Client, connect, publish, publishBatch, range, signToken, sleep, startHerald, waitUntil } from './helpers.js';

describe('prebuilt frames', () => {
  it('textFrame uses the 7-bit, 16-bit and 64-bit length forms at their limits', () => {
    for (const [length, header] of [
      [0, 2],
      [125, 2],
      [126, 4],
      [65_535, 4],
      [65_536, 10],
    ] as const) {
      const frame = textFrame('x'.repeat(length));
      expect(frame.length, `length ${length}`).toBe(header + length);
      expect(frame[0]).toBe(0x81); // FIN + text, no mask bit on server frames
      const declared = header === 2 ? frame[1]! : header === 4 ? frame.readUInt16BE(2) : Number(frame.readBigUInt64BE(2));
      expect(declared).toBe(length);
      if (header > 2) expect(frame[1]).toBe(header === 4 ? 126 : 127);
    }
    // Lengths count UTF-8 bytes, not UTF-16 units.
    const text = 'é'.repeat(70);
    const frame = textFrame(text);
    expect(frame[1]).toBe(126);
    expect(frame.readUInt16BE(2)).toBe(140);
    expect(frame.subarray(4).toString('utf8')).toBe(text);
  });

  it('delivers small, medium and large messages and batches intact over WebSocket', async () => {
    const h = await startHerald();
    const c = await connect(h, await signToken(h, { sub: 'frames', channels: ['frames:*'] }));
    expect(c.socket.io.engine.transport.name).toBe('websocket');
    await c.subscribe('frames:1');
    // Frames under 126 bytes, between 126 and 65,535, and above 65,535 (one message near the
    // data limit; a batch of several large ones), with multi-byte characters in the text.
    const sizes = [1, 40, 200, 5_000, 60_000, MAX_DATA_BYTES - 100];
    for (const n of sizes) await publish(h, { channel: 'frames:1', event: 'size', data: 'ü'.repeat(Math.floor(n / 2)) });
    const batch = Array.from({ length: 4 }, (_, i) => ({ channel: 'frames:1', event: 'batch', data: `${i}${'€'.repeat(10_000)}` }));
    const results = await publishBatch(h, batch);
    expect(results.every((r) => r.messages)).toBe(true);
    await waitUntil(() => c.on('frames:1').length === sizes.length + batch.length);
    const got = c.on('frames:1');
    expect(got.map((m) => m.seq)).toEqual(range(1, sizes.length + batch.length));
    expect(got.slice(0, sizes.length).map((m) => (m.data as string).length)).toEqual(sizes.map((n) => Math.floor(n / 2)));
    expect(got.slice(sizes.length).map((m) => m.data)).toEqual(batch.map((b) => b.data));
  });

  it('keeps every message once and in order while the transport upgrades from polling', async () => {
    const h = await startHerald();
    const token = await signToken(h, { sub: 'upgrader' });
    // A stream to the user's own channel (subscribed at connect) runs before, during and after
    // the connection, so messages arrive over polling, across the upgrade and over WebSocket.
    const total = 600;
    let published = 0;
    const sending = (async () => {
      while (published < total) {
        await Promise.all([0, 1].map(() => publish(h, { channel: 'user:upgrader', event: 'n', data: ++published })));
      }
    })();
    await waitUntil(() => published >= 20, 5000, 'the stream to start');
    const socket = io(h.url, { auth: { token }, transports: ['polling', 'websocket'], reconnection: false, forceNew: true });
    onTestFinished(() => {
      socket.disconnect();
    });
    const c = new Client(socket);
    const transports: string[] = [];
    const record = (n: number) => {
      for (let i = 0; i < n; i++) transports.push(socket.io.engine.transport.name);
    };
    socket.on('message', () => record(1));
    socket.on('messages', (ms: unknown[]) => record(ms.length));
    await sending;
    await waitUntil(() => c.on('user:upgrader').at(-1)?.seq === total, 10_000, `message ${total}`);
    const seqs = c.on('user:upgrader').map((m) => m.seq);
    // Live from the head read at the handshake: contiguous from there to the end, each once.
    expect(seqs).toEqual(range(seqs[0]!, total));
    expect(seqs[0]!).toBeLessThan(total / 2);
    // The client opened on polling and upgraded while the stream ran (the server holds packets
    // in engine.io's queue during the upgrade, then flushes them over WebSocket).
    expect(transports.at(-1)).toBe('websocket');
    // Nothing more arrives later (no duplicate held in a queue).
    await publish(h, { channel: 'user:upgrader', event: 'last', data: null });
    await c.waitFor((m) => m.event === 'last');
    expect(c.on('user:upgrader').map((m) => m.seq)).toEqual(range(seqs[0]!, total + 1));
  });

  it('keeps acks and messages in order when a slow reader makes engine.io queue behind direct frames', async () => {
    // Some 38 MB wait for this reader: within the slow-consumer limit set here (the default, 4 MiB,
    // would close its transport; see slow-consumer.test.ts).
    const h = await startHerald({ HERALD_SOCKET_BUFFER_LIMIT: String(128 * 1024 * 1024) });
    const c = await connect(h, await signToken(h, { sub: 'slow', channels: ['slow:*'] }));
    await c.subscribe('slow:1');
    // Everything the socket receives, in arrival order (ack callbacks run as their packet is
    // decoded, between the messages of the same read).
    const log: string[] = [];
    c.socket.on('message', (m: { channel: string; seq: number }) => log.push(`${m.channel}#${m.seq}`));
    c.socket.on('messages', (ms: { channel: string; seq: number }[]) => ms.forEach((m) => log.push(`${m.channel}#${m.seq}`)));
    // Stop reading on the client's TCP socket (socket.io-client → engine.io-client → ws), so the
    // server's writes pile up: frames written directly fill the stream, an ack then waits in ws
    // for its write callback (engine.io's transport is not writable), and the next acks wait in
    // engine.io's queue. Live messages after them must not overtake them.
    const tcp = (c.socket.io.engine.transport as unknown as { ws: { _socket: { pause(): void; resume(): void } } }).ws._socket;
    tcp.pause();
    const big = 'x'.repeat(60_000);
    const burst = (channel: string, from: number, n: number) =>
      publishBatch(h, Array.from({ length: n }, (_, i) => ({ channel, event: 'big', data: `${from + i}:${big}` })));
    // Past what the kernel buffers on loopback (tcp_rmem + tcp_wmem maxima here: 32 + 4 MiB).
    const FILL = 16 * 40;
    for (let k = 0; k < 16; k++) await burst('slow:1', 1 + k * 40, 40);
    const acked = [2, 3, 4].map(
      (n) => new Promise<void>((resolve) => c.socket.emit('subscribe', { channel: `slow:${n}` }, () => (log.push(`ack slow:${n}`), resolve()))),
    );
    await sleep(150); // the server takes the subscribes and answers them into its queues
    await burst('slow:1', FILL + 1, 40);
    for (const n of [2, 3, 4]) await burst(`slow:${n}`, 1, 5);
    tcp.resume();
    await Promise.all(acked);
    await waitUntil(() => c.on('slow:1').length >= FILL + 40 && c.on('slow:4').length >= 5, 15_000, 'every message');
    expect(c.on('slow:1').map((m) => m.seq)).toEqual(range(1, FILL + 40));
    expect(c.on('slow:1').map((m) => Number(String(m.data).split(':')[0]))).toEqual(range(1, FILL + 40));
    for (const n of [2, 3, 4]) {
      expect(c.on(`slow:${n}`).map((m) => m.seq)).toEqual(range(1, 5));
      // Subscribed live from head 0: its messages come after its ack, never before.
      expect(log.indexOf(`ack slow:${n}`), `ack slow:${n}`).toBeLessThan(log.indexOf(`slow:${n}#1`));
    }
  });
});
