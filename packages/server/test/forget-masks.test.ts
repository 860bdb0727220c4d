/**
 * `forgetMasks` (`src/gateway/lean-engine.ts`): once installed on a ws connection, the receiver
 * holds no masking key between messages, and every message still arrives intact, whatever its
 * size and however the frames are split or coalesced on the way.
 */
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { forgetMasks } from '../src/gateway/lean-engine.js';

describe('forgetMasks', () => {
  it('drops the last masking key after each message and leaves the messages intact', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const received: string[] = [];
    const masksAfter: unknown[] = [];
    let expected = 0;
    const done = new Promise<void>((resolve) => {
      server.on('connection', (ws) => {
        const receiver = (ws as unknown as { _receiver: NodeJS.EventEmitter & { _mask?: unknown } })._receiver;
        ws.on('message', (data) => received.push(data.toString()));
        forgetMasks({ transport: { socket: ws } });
        // Listeners run in order: ws's own (the message above), forgetMasks', then this one.
        receiver.on('message', () => {
          masksAfter.push(receiver._mask);
          if (masksAfter.length === expected) resolve();
        });
      });
    });
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    await new Promise<void>((resolve, reject) => client.once('open', () => resolve()).once('error', reject));
    const messages = ['a', 'x'.repeat(125), 'y'.repeat(126), 'z'.repeat(70_000), '42["subscribe",{"channel":"c"}]', '3'];
    // Sent one by one within one turn (ws writes them back to back, so reads hold several frames).
    const sent = [...messages, messages.join('|'), ...messages.slice(1), messages[0]!];
    expected = sent.length;
    for (const m of sent) client.send(m);
    await done;
    expect(received).toEqual(sent);
    expect(masksAfter).toEqual(sent.map(() => undefined));
    client.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('leaves anything that is not a ws receiver alone', () => {
    expect(() => forgetMasks(undefined)).not.toThrow();
    expect(() => forgetMasks({ transport: {} })).not.toThrow();
    const plain = { _mask: 1 };
    forgetMasks({ transport: { socket: { _receiver: plain } } });
    expect(plain._mask).toBe(1);
  });
});
