/**
 * A chaos proxy: a real TCP hop between the SDK and a real Herald server on 127.0.0.1, port 0.
 * It forwards plain HTTP (including long-polls) and WebSocket upgrades, and lets a test break
 * the network the way the world does: cut every open connection, refuse the Socket.IO endpoint
 * while `/v1/*` still answers (a proxy that blocks WebSockets), go fully offline, or point at a
 * restarted server on a new port. Nothing here knows about Herald's protocol beyond paths.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ProxyStats {
  /** HTTP requests forwarded to the server. */
  forwarded: number;
  /** `GET /v1/sync` requests forwarded (the polling fallback at work). */
  syncRequests: number;
  /** WebSocket upgrades forwarded. */
  upgrades: number;
  /** Requests and upgrades on `/socket.io` answered 503 by `refuseSocket`. */
  refusedSocket: number;
  /** Connections and requests dropped by `refuseAll`. */
  refusedAll: number;
  /** `cutAll()` calls, and client connections they destroyed. */
  cuts: number;
  connectionsCut: number;
  /** Requests the server could not be reached for (answered 502). */
  badGateway: number;
  /** Engine.IO packets dropped by `dropPollingPackets`. */
  droppedPackets: number;
  /** Forwarded answers by HTTP status, per path: `'401 /v1/sync'` → count. */
  answers: Record<string, number>;
}

export interface ChaosProxy {
  /** The proxy's base URL: give it to the SDK as `url`. */
  readonly url: string;
  readonly stats: ProxyStats;
  /** The server requests are forwarded to. */
  readonly target: string;
  /** Destroy every open client connection (keep-alive, long-poll, WebSocket) and its upstream. */
  cutAll(): number;
  /** While on, every request and upgrade whose path starts with `/socket.io` answers 503. */
  refuseSocket(on: boolean): void;
  /** While on, every connection is dropped at once (the network is gone); turning it on cuts all. */
  refuseAll(on: boolean): void;
  /**
   * Hold the server's answer to requests for exactly `path` (query aside) for `ms` before passing
   * it on (0 ends it): the request is served at once, the client learns the answer late.
   */
  delayAnswers(path: string, ms: number): void;
  /**
   * Answer the next `count` requests for exactly `path` (query aside) with 503 UNAVAILABLE in
   * Herald's error format, without forwarding them: a server hiccup behind a load balancer.
   */
  failAnswers(path: string, count: number): void;
  /**
   * A lossy middlebox for Socket.IO's HTTP long-polling transport: server → client packets
   * (`\x1e`-separated Engine.IO packets) for which `match` holds are dropped from the answer,
   * without the session noticing; `null` ends it. WebSocket traffic is not inspected.
   */
  dropPollingPackets(match: ((packet: string) => boolean) | null): void;
  /** Forward new connections to another server (a restarted one gets a new port). */
  setTarget(url: string): void;
  close(): Promise<void>;
}

/** Headers that describe one hop, never forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

function endpoint(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
}

/** Start a proxy in front of `targetUrl`. */
export async function startProxy(targetUrl: string): Promise<ChaosProxy> {
  let target = endpoint(targetUrl);
  let targetUrlNow = targetUrl;
  let socketRefused = false;
  let allRefused = false;
  const delays = new Map<string, number>();
  const failures = new Map<string, number>();
  let dropMatch: ((packet: string) => boolean) | null = null;
  const stats: ProxyStats = {
    forwarded: 0,
    syncRequests: 0,
    upgrades: 0,
    refusedSocket: 0,
    refusedAll: 0,
    cuts: 0,
    connectionsCut: 0,
    badGateway: 0,
    droppedPackets: 0,
    answers: {},
  };
  /** Client-side connections, upgraded ones included (an upgrade reuses the connection). */
  const clients = new Set<net.Socket>();
  /** Upstream connections and requests, so a cut also ends what the server sees. */
  const upstreams = new Set<{ destroy(): unknown }>();

  const track = <T extends { destroy(): unknown; once(e: 'close', fn: () => void): unknown }>(set: Set<{ destroy(): unknown }>, x: T): T => {
    set.add(x);
    x.once('close', () => set.delete(x));
    return x;
  };

  const isSocketIo = (url: string | undefined) => (url ?? '').startsWith('/socket.io');

  const server = http.createServer((req, res) => {
    if (allRefused) {
      stats.refusedAll++;
      req.socket.destroy();
      return;
    }
    if (socketRefused && isSocketIo(req.url)) {
      stats.refusedSocket++;
      res.writeHead(503, { 'content-type': 'text/plain', connection: 'close' });
      res.end('socket endpoint refused by the chaos proxy');
      return;
    }
    const path = (req.url ?? '').split('?')[0]!;
    const failing = failures.get(path) ?? 0;
    if (failing > 0) {
      failures.set(path, failing - 1);
      const key = `503 ${path}`;
      stats.answers[key] = (stats.answers[key] ?? 0) + 1;
      req.resume();
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'failed by the chaos proxy' } }));
      return;
    }
    stats.forwarded++;
    if ((req.url ?? '').startsWith('/v1/sync')) stats.syncRequests++;
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k)) headers[k] = v;
    headers.host = `${target.host}:${target.port}`;
    const pollingGet = req.method === 'GET' && isSocketIo(req.url) && (req.url ?? '').includes('transport=polling');
    // Polling answers come uncompressed, so that dropPollingPackets can read them.
    if (pollingGet) delete headers['accept-encoding'];
    const up = track(
      upstreams,
      http.request({ host: target.host, port: target.port, method: req.method, path: req.url, headers, agent: false }),
    );
    up.on('response', (ur) => {
      const out: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(ur.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
      const key = `${ur.statusCode} ${path}`;
      stats.answers[key] = (stats.answers[key] ?? 0) + 1;
      const pass = () => {
        if (res.destroyed) return;
        if (pollingGet && dropMatch && ur.headers['content-encoding'] === undefined) {
          const match = dropMatch;
          const chunks: Buffer[] = [];
          ur.on('data', (c: Buffer) => chunks.push(c));
          ur.on('end', () => {
            const packets = Buffer.concat(chunks).toString('utf8').split('\x1e');
            const kept = packets.filter((p) => !match(p));
            stats.droppedPackets += packets.length - kept.length;
            // An empty answer would end the session: a noop keeps it polling.
            const body = kept.length > 0 ? kept.join('\x1e') : '6';
            delete out['content-length'];
            res.writeHead(ur.statusCode ?? 502, out);
            res.end(body);
          });
          return;
        }
        res.writeHead(ur.statusCode ?? 502, out);
        ur.pipe(res);
      };
      ur.on('error', () => res.destroy());
      const delay = delays.get(path) ?? 0;
      if (delay > 0) setTimeout(pass, delay);
      else pass();
    });
    up.on('error', () => {
      if (!res.headersSent && !req.socket.destroyed) {
        stats.badGateway++;
        res.writeHead(502, { 'content-type': 'text/plain', connection: 'close' });
        res.end('upstream unreachable');
      } else {
        res.destroy();
      }
    });
    // The client went away (or was cut) before the answer ended: end the upstream request too,
    // so the server sees the long-poll abandoned.
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  });
  server.keepAliveTimeout = 30_000;

  server.on('connection', (socket) => {
    if (allRefused) {
      stats.refusedAll++;
      socket.destroy();
      return;
    }
    clients.add(socket);
    socket.once('close', () => clients.delete(socket));
    socket.on('error', () => {});
  });

  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    if (allRefused) {
      stats.refusedAll++;
      socket.destroy();
      return;
    }
    if (socketRefused && isSocketIo(req.url)) {
      stats.refusedSocket++;
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    stats.upgrades++;
    const up = track(upstreams, net.connect(target.port, target.host));
    const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!;
      lines.push(`${name}: ${name.toLowerCase() === 'host' ? `${target.host}:${target.port}` : req.rawHeaders[i + 1]}`);
    }
    up.once('connect', () => {
      up.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) up.write(head);
      socket.pipe(up);
      up.pipe(socket);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
    up.once('close', () => socket.destroy());
    socket.once('close', () => up.destroy());
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const cutAll = () => {
    stats.cuts++;
    const n = clients.size;
    stats.connectionsCut += n;
    for (const s of [...clients]) s.destroy();
    for (const u of [...upstreams]) u.destroy();
    return n;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    get target() {
      return targetUrlNow;
    },
    cutAll,
    refuseSocket(on) {
      socketRefused = on;
      // Connections already upgraded keep working until the next cut, as behind a real proxy
      // whose policy just changed; callers cut when they want the socket gone now.
    },
    refuseAll(on) {
      allRefused = on;
      if (on) cutAll();
    },
    delayAnswers(path, ms) {
      if (ms > 0) delays.set(path, ms);
      else delays.delete(path);
    },
    dropPollingPackets(match) {
      dropMatch = match;
    },
    failAnswers(path, count) {
      failures.set(path, count);
    },
    setTarget(url) {
      targetUrlNow = url;
      target = endpoint(url);
    },
    async close() {
      allRefused = true;
      cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
