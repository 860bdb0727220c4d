/**
 * The outbox when Herald is away: the application keeps accepting changes, and each one is
 * published exactly once when Herald answers again, whether Herald was down or only an answer
 * was lost on the way back.
 */
import http from 'node:http';
import { describe, expect, it, onTestFinished } from 'vitest';
import { byId, call, drained, history, ok, startDemo, startHerald, upsert, waitUntil, type WireMessage } from './helpers.js';

interface Order {
  id: string;
  number: number;
  status: string;
}
interface Dashboard {
  orders: Order[];
  reservations: { id: string }[];
}

const replayDashboard = (seed: Dashboard, messages: WireMessage[], seq: number): Dashboard =>
  messages
    .filter((m) => m.seq <= seq)
    .reduce((d, m) => (m.event === 'reservation:created' ? { ...d, reservations: upsert(d.reservations, m.data.reservation) } : { ...d, orders: upsert(d.orders, m.data.order) }), seed);

const same = (a: Dashboard, b: Dashboard) => expect({ orders: byId(a.orders), reservations: byId(a.reservations) }).toEqual({ orders: byId(b.orders), reservations: byId(b.reservations) });

/**
 * A real HTTP proxy in front of Herald that can lose answers: for the next `n` publishes or
 * notifications it forwards the request, lets Herald store it, and then drops the connection
 * instead of answering.
 */
async function lossyProxy(target: string): Promise<{ url: string; loseAnswers(n: number): void; lost: () => number }> {
  let toLose = 0;
  let lost = 0;
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'content-type']) if (req.headers[name]) headers[name] = String(req.headers[name]);
    const answer = await fetch(target + req.url, { method: req.method!, headers, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) });
    const body = await answer.text();
    if (req.method === 'POST' && /^\/v1\/(publish|notifications)/.test(req.url!) && toLose > 0) {
      toLose--;
      lost++;
      req.socket.destroy();
      return;
    }
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, loseAnswers: (n) => (toLose = n), lost: () => lost };
}

describe('outbox', () => {
  it('accepts orders while Herald is down and publishes each exactly once when it is back', async () => {
    const herald = await startHerald();
    const demo = await startDemo(herald);
    const seed = await ok<{ data: Dashboard; seq: number }>(demo.url, 'GET', '/api/restaurants/7/dashboard');
    const { sessionId } = await ok(demo.url, 'POST', '/api/tables/7/3/session', undefined, 201);
    const first = (await ok(demo.url, 'POST', '/api/restaurants/7/orders', { table: 1, items: [{ name: 'Lasagna', qty: 1 }] }, 201)).order as Order;
    await drained(demo);

    await herald.stop();
    const placed: Order[] = [first];
    for (let i = 0; i < 5; i++) {
      placed.push((await ok(demo.url, 'POST', '/api/restaurants/7/orders', { table: 2, items: [{ name: 'Espresso', qty: i + 1 }] }, 201)).order);
    }
    placed.push((await ok(demo.url, 'POST', `/api/sessions/${sessionId}/orders`, { items: [{ name: 'Margherita', qty: 1 }] }, 201)).order);
    const cooking = (await ok(demo.url, 'POST', `/api/restaurants/7/orders/${first.id}/status`, { status: 'cooking' })).order as Order;
    await waitUntil(() => demo.log.lines.some((l) => l.startsWith('warn outbox: cannot reach Herald')), 5000, 'the retry log line');
    expect(demo.server.outbox.size).toBe(13); // 6 publishes + 6 notifications + 1 status

    // The application keeps answering, and its seq already counts what is waiting.
    const whileDown = await ok<{ data: Dashboard; seq: number }>(demo.url, 'GET', '/api/restaurants/7/dashboard');
    expect(whileDown.seq).toBe(8);
    expect(whileDown.data.orders.find((o) => o.id === first.id)?.status).toBe('cooking');

    await herald.start();
    await drained(demo);
    expect(demo.log.lines.filter((l) => l.startsWith('warn')).length).toBe(1);
    expect(demo.log.lines.some((l) => l.startsWith('info outbox: Herald is reachable again'))).toBe(true);

    const dash = await history(herald, 'restaurant:7:dashboard');
    expect(dash.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(new Set(dash.messages.map((m) => m.id)).size).toBe(8);
    expect(dash.messages.filter((m) => m.event === 'order:created').map((m) => m.data.order.id)).toEqual(placed.map((o) => o.id));
    expect(dash.messages.at(-1)).toMatchObject({ event: 'order:status', data: { order: cooking } });
    expect((await history(herald, 'restaurant:7:kitchen')).head).toBe(8);
    expect((await history(herald, `session:${sessionId}`)).messages.map((m) => m.event)).toEqual(['order:created']);
    const admins = (await history(herald, 'restaurant:7:admins')).messages;
    expect(admins.map((m) => m.data.data.orderId)).toEqual(placed.map((o) => o.id));
    expect(new Set(admins.map((m) => m.data.id)).size).toBe(placed.length);

    // Loads are exact again, and so was the one answered while Herald was down.
    const after = await ok<{ data: Dashboard; seq: number }>(demo.url, 'GET', '/api/restaurants/7/dashboard');
    expect(after.seq).toBe(dash.head);
    same(after.data, replayDashboard(seed.data, dash.messages, after.seq));
    same(whileDown.data, replayDashboard(seed.data, dash.messages, whileDown.seq));
  });

  it('sends a change again with the same idempotency key when the answer was lost, and Herald stores it once', async () => {
    const herald = await startHerald();
    const proxy = await lossyProxy(herald.url);
    const demo = await startDemo({ url: proxy.url, apiKey: herald.apiKey });
    expect((await ok(demo.url, 'GET', '/api/restaurants/7/kitchen')).seq).toBe(0);

    proxy.loseAnswers(3);
    const { order } = await ok(demo.url, 'POST', '/api/restaurants/7/orders', { table: 6, items: [{ name: 'Lasagna', qty: 2 }] }, 201);
    await drained(demo);
    expect(proxy.lost()).toBe(3);

    const kitchen = await history(herald, 'restaurant:7:kitchen');
    expect(kitchen.messages.map((m) => [m.seq, m.event, m.data.order.id])).toEqual([[1, 'order:created', order.id]]);
    expect((await history(herald, 'restaurant:7:admins')).messages).toHaveLength(1);
    const load = await call(demo.url, 'GET', '/api/restaurants/7/kitchen');
    expect(load.body.seq).toBe(1);
  });
});
