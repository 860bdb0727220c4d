/**
 * Clients of a Herald cluster in tests: socket.io-client sockets with a chosen transport, HTTP
 * agent (keep-alive) and source address (127.0.0.x, so address-hashing proxies spread them), and
 * a `Herald`-shaped handle so the usual helpers (`publish`, `request`, `signToken`) work on any URL.
 */
import http from 'node:http';
import { io } from 'socket.io-client';
import { onTestFinished } from 'vitest';
import { Client, type Herald } from '../helpers.js';

/** A handle on a URL for the helpers of `../helpers.ts` (they only read `url`, `apiKey`, `secret`). */
export function heraldAt(url: string, apiKey: string, secret: string): Herald {
  const unsupported = async () => {
    throw new Error('restart/stop a cluster node through the cluster harness');
  };
  return { url, apiKey, secret, dir: '', env: {}, restart: unsupported, stop: unsupported };
}

export interface ClientOptions {
  /** @default ['polling', 'websocket'] (socket.io's default: polling, then upgrade) */
  transports?: ('polling' | 'websocket')[];
  /** The HTTP agent of every request and of the WebSocket upgrade (keep-alive, source address). */
  agent?: http.Agent;
  /** Source address, e.g. '127.0.0.7' (a keep-alive agent bound to it is made when no `agent`). */
  localAddress?: string;
  /** @default 10000 */
  timeout?: number;
}

/** An agent that keeps connections alive and binds them to `localAddress`; destroyed when the test ends. */
export function keepAliveAgent(localAddress?: string): http.Agent {
  const agent = new http.Agent({ keepAlive: true, ...(localAddress ? { localAddress } : {}) });
  onTestFinished(() => agent.destroy());
  return agent;
}

/**
 * A connected socket authenticated with `token`, recording what it receives; disconnected when
 * the test ends.
 */
export async function connectClient(url: string, token: string, options: ClientOptions = {}): Promise<Client> {
  const agent = options.agent ?? (options.localAddress ? keepAliveAgent(options.localAddress) : undefined);
  const socket = io(url, {
    path: '/socket.io',
    auth: { token },
    transports: options.transports ?? ['polling', 'websocket'],
    reconnection: false,
    forceNew: true,
    timeout: options.timeout ?? 10_000,
    // The types say string | boolean; engine.io-client hands it to http.request and ws as is.
    ...(agent ? { agent: agent as unknown as string } : {}),
  });
  onTestFinished(() => {
    socket.disconnect();
  });
  const client = new Client(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err: Error & { data?: unknown }) => reject(new Error(`connect_error: ${err.message} ${JSON.stringify(err.data)}`)));
  });
  return client;
}

/** The transport a connected client uses now. */
export const transportOf = (c: Client): string => c.socket.io.engine.transport.name;

/** Resolves when the client's connection was upgraded to WebSocket. */
export async function upgraded(c: Client, ms = 10_000): Promise<void> {
  if (transportOf(c) === 'websocket') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no upgrade to websocket within ${ms} ms`)), ms);
    c.socket.io.engine.once('upgrade', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
