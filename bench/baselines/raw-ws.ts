/**
 * Baseline (b): the practical limit of one Node process. Raw `ws`, no framing protocol on top:
 * a client sends `{"subscribe":"<channel>"}` and gets `{"subscribed":…}`, then one text frame per
 * message. A publish builds each WebSocket frame once, whatever the number of subscribers, and
 * writes a burst to each socket between `cork()` and `uncork()` (one syscall per socket per burst).
 * Prints `{"url":…}` when listening. Run: `node --import tsx bench/baselines/raw-ws.ts`.
 */
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import * as wsModule from 'ws';
import { WebSocket, WebSocketServer } from 'ws';
import { readJson, reply, sequencer, type PublishItem } from './http-json.js';

/** ws's frame builder (exported by ws, absent from @types/ws). */
const { Sender } = wsModule as unknown as {
  Sender: { frame(data: Buffer, options: { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean }): Buffer[] };
};
const next = sequencer();
const rooms = new Map<string, Set<WebSocket>>();

/** One unmasked text frame, header and payload in one buffer, built once per message. */
function frame(text: string): Buffer {
  const parts = Sender.frame(Buffer.from(text), { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false });
  return Buffer.concat(parts);
}

function publish(channel: string, items: PublishItem[]): void {
  const frames = items.map((item) => frame(JSON.stringify(next(channel, item))));
  const sockets = rooms.get(channel);
  if (!sockets) return;
  for (const ws of sockets) {
    if (ws.readyState !== WebSocket.OPEN) continue;
    const tcp = (ws as unknown as { _socket: Socket })._socket;
    tcp.cork();
    for (const f of frames) tcp.write(f);
    tcp.uncork();
  }
}

const httpServer = createServer(async (req, res) => {
  try {
    if (req.method === 'GET' && req.url === '/healthz') return reply(res, 200, { status: 'ok' });
    if (req.method === 'POST' && req.url === '/publish') {
      const body = (await readJson(req)) as PublishItem & { channel: string };
      publish(body.channel, [body]);
      return reply(res, 200, { ok: true });
    }
    if (req.method === 'POST' && req.url === '/publish/batch') {
      const body = (await readJson(req)) as { channel: string; items: PublishItem[] };
      publish(body.channel, body.items);
      return reply(res, 200, { ok: true });
    }
    reply(res, 404, { error: 'not found' });
  } catch (err) {
    reply(res, 400, { error: String(err) });
  }
});

const wss = new WebSocketServer({ server: httpServer, path: '/ws', perMessageDeflate: false });

wss.on('connection', (ws) => {
  const joined: string[] = [];
  ws.on('message', (data) => {
    const { subscribe } = JSON.parse(String(data)) as { subscribe?: string };
    if (typeof subscribe !== 'string') return;
    let set = rooms.get(subscribe);
    if (!set) rooms.set(subscribe, (set = new Set()));
    set.add(ws);
    joined.push(subscribe);
    ws.send(JSON.stringify({ subscribed: subscribe }));
  });
  ws.on('close', () => {
    for (const channel of joined) rooms.get(channel)?.delete(ws);
  });
});

httpServer.listen(0, '127.0.0.1', () => {
  const { port } = httpServer.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
