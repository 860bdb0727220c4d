/**
 * A fault-injecting HTTP proxy in front of a real Herald: a real TCP hop on 127.0.0.1, port 0,
 * that forwards every request unchanged unless a test queued a fault for its path. The faults are
 * the ones a back end meets in the world: a load balancer's 503 or 429 with `Retry-After`, a
 * server that never answers, and a connection that breaks after Herald has done the work but
 * before its answer arrives. It counts what it saw per path, so tests can assert attempts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';

export type Fault =
  /** Forward as usual (to let earlier requests through before a fault). */
  | { kind: 'pass' }
  /** Answer this status and body without forwarding (Herald never sees the request). */
  | { kind: 'answer'; status: number; body: unknown; headers?: Record<string, string> }
  /** Forward, let Herald answer in full, then destroy the client's connection instead of replying. */
  | { kind: 'drop-after-forward' }
  /** Hold the request without forwarding or answering until the client gives up. */
  | { kind: 'stall' };

export interface FaultProxy {
  /** The proxy's base URL: give it to the SDK as `url`. */
  readonly url: string;
  /** Requests received, per path (query aside), forwarded or not. */
  readonly seen: Record<string, number>;
  /** Requests Herald answered (forwarded), per path. */
  readonly forwarded: Record<string, number>;
  /** Bodies of the requests received, per path, in order (to check what a retry sent). */
  readonly bodies: Record<string, string[]>;
  /** Queue faults for the next requests to `path`, one fault per request, in order. */
  fault(path: string, ...faults: Fault[]): void;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

const count = (table: Record<string, number>, key: string) => (table[key] = (table[key] ?? 0) + 1);

function readBody(stream: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** Start a proxy in front of `targetUrl`; it is closed when the current test ends. */
export async function startFaultProxy(targetUrl: string): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  const queues = new Map<string, Fault[]>();
  const seen: Record<string, number> = {};
  const forwarded: Record<string, number> = {};
  const bodies: Record<string, string[]> = {};
  const stalled = new Set<http.ServerResponse>();

  const forward = (req: http.IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && k !== 'host') headers[k] = v;
      headers['content-length'] = String(body.length);
      const upstream = http.request(
        { host: target.hostname, port: Number(target.port), method: req.method, path: req.url, headers },
        (res) => readBody(res).then((b) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: b }), reject),
      );
      upstream.on('error', reject);
      upstream.end(body);
    });

  const server = http.createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://proxy').pathname;
    const body = await readBody(req);
    count(seen, path);
    (bodies[path] ??= []).push(body.toString('utf8'));
    const fault = queues.get(path)?.shift();
    if (fault?.kind === 'answer') {
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(JSON.stringify(fault.body));
      return;
    }
    if (fault?.kind === 'stall') {
      stalled.add(res);
      res.on('close', () => stalled.delete(res));
      return;
    }
    try {
      const answer = await forward(req, body);
      count(forwarded, path);
      if (fault?.kind === 'drop-after-forward') {
        // Herald has stored and answered; the client never hears it.
        req.socket.destroy();
        return;
      }
      const headers: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(k)) headers[k] = v;
      res.writeHead(answer.status, headers);
      res.end(answer.body);
    } catch {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('bad gateway');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const proxy: FaultProxy = {
    url: `http://127.0.0.1:${port}`,
    seen,
    forwarded,
    bodies,
    fault(path, ...faults) {
      queues.set(path, [...(queues.get(path) ?? []), ...faults]);
    },
    async close() {
      for (const res of stalled) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  onTestFinished(() => proxy.close());
  return proxy;
}
