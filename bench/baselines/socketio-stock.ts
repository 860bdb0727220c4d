/**
 * Baseline (a): Socket.IO written the way tutorials do. A client emits `join` with a room, the
 * server calls `socket.join(room)`; `POST /publish` does `io.to(room).emit('message', msg)`.
 * `POST /publish/batch` does the same for each message of a burst (one emit per message).
 * Prints `{"url":…}` when listening. Run: `node --import tsx bench/baselines/socketio-stock.ts`.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { readJson, reply, sequencer, type PublishItem } from './http-json.js';

const next = sequencer();

const httpServer = createServer(async (req, res) => {
  try {
    if (req.method === 'GET' && req.url === '/healthz') return reply(res, 200, { status: 'ok' });
    if (req.method === 'POST' && req.url === '/publish') {
      const body = (await readJson(req)) as PublishItem & { channel: string };
      io.to(body.channel).emit('message', next(body.channel, body));
      return reply(res, 200, { ok: true });
    }
    if (req.method === 'POST' && req.url === '/publish/batch') {
      const body = (await readJson(req)) as { channel: string; items: PublishItem[] };
      for (const item of body.items) io.to(body.channel).emit('message', next(body.channel, item));
      return reply(res, 200, { ok: true });
    }
    reply(res, 404, { error: 'not found' });
  } catch (err) {
    reply(res, 400, { error: String(err) });
  }
});

const io = new Server(httpServer);

io.on('connection', (socket) => {
  socket.on('join', (room: string, ack?: (r: unknown) => void) => {
    socket.join(room);
    ack?.({ ok: true });
  });
});

httpServer.listen(0, '127.0.0.1', () => {
  const { port } = httpServer.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
