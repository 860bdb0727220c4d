/**
 * Security and robustness defaults: tokens must expire, the broadcast channel is not a directory
 * of online users, WebSocket upgrades respect the allowed origins, and a restart lets plain
 * socket.io clients reconnect on their own.
 */
import net from 'node:net';
import { SignJWT } from 'jose';
import { io } from 'socket.io-client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createServer, parseConfig } from '../src/index.js';
import { connect, connectRefused, request, signToken, startHerald, tempDir, testEnv, waitUntil } from './helpers.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });

describe('hardening', () => {
  it('refuses a client token without exp, on HTTP and on the socket handshake', async () => {
    const h = await startHerald();
    const token = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject('forever')
      .setIssuedAt()
      .sign(new TextEncoder().encode(h.secret));
    const http = await request(h, 'GET', '/v1/sync?cursors=broadcast:0', undefined, { auth: token });
    expect(http.status).toBe(401);
    expect(http.body.error.code).toBe('AUTH_INVALID');
    const refused = await connectRefused(h, { token });
    expect(refused.data.code).toBe('AUTH_INVALID');
  });

  it('shows clients how many are on broadcast but not who; the back end sees the users', async () => {
    const h = await startHerald();
    const alice = await signToken(h, { sub: 'alice', channels: ['room:1'] });
    const bob = await signToken(h, { sub: 'bob', channels: ['room:1'] });
    const a = await connect(h, alice);
    const b = await connect(h, bob);
    expect((await a.socket.emitWithAck('subscribe', { channel: 'room:1' })).ok).toBe(true);
    expect((await b.socket.emitWithAck('subscribe', { channel: 'room:1' })).ok).toBe(true);

    const asClient = await request(h, 'GET', '/v1/channels/broadcast/presence', undefined, { auth: alice });
    expect(asClient.status).toBe(200);
    expect(asClient.body).toEqual({ clients: 2, users: [] });
    const asServer = await request(h, 'GET', '/v1/channels/broadcast/presence');
    expect(asServer.body).toEqual({ clients: 2, users: ['alice', 'bob'] });
    // On a channel both are entitled to, members see each other.
    const room = await request(h, 'GET', '/v1/channels/room:1/presence', undefined, { auth: alice });
    expect(room.body).toEqual({ clients: 2, users: ['alice', 'bob'] });
  });

  it('refuses WebSocket upgrades from origins outside HERALD_CORS_ORIGINS', async () => {
    const h = await startHerald({ HERALD_CORS_ORIGINS: 'https://app.example.com' });
    const token = await signToken(h, { sub: 'u' });
    const attempt = (origin: string | undefined) =>
      new Promise<'connected' | 'refused'>((resolve) => {
        const socket = io(h.url, {
          transports: ['websocket'],
          reconnection: false,
          forceNew: true,
          auth: { token },
          ...(origin ? { extraHeaders: { origin } } : {}),
        });
        onTestFinished(() => void socket.disconnect());
        socket.once('connect', () => resolve('connected'));
        socket.once('connect_error', () => resolve('refused'));
      });
    expect(await attempt('https://evil.example.com')).toBe('refused');
    expect(await attempt('https://app.example.com')).toBe('connected');
    // Non-browser clients send no Origin.
    expect(await attempt(undefined)).toBe('connected');
  });

  it('lets a plain socket.io client reconnect by itself after a restart, and resume with since', async () => {
    const dir = tempDir();
    const port = await freePort();
    const config = parseConfig(testEnv(dir, { HERALD_PORT: String(port) }), dir);
    let server = await createServer(config);
    const url = await server.listen();
    onTestFinished(() => server.close());
    const { token } = await server.tokens.mint({ sub: 'u', channels: ['feed:*'] }, 600);
    const socket = io(url, { transports: ['websocket'], auth: { token }, reconnectionDelay: 50, reconnectionDelayMax: 200, forceNew: true });
    onTestFinished(() => void socket.disconnect());
    let connects = 0;
    socket.on('connect', () => connects++);
    await waitUntil(() => connects === 1, 5000, 'first connect');

    await server.close();
    server = await createServer(config);
    await server.listen();
    await waitUntil(() => connects === 2, 10_000, 'automatic reconnect after restart');
    const ack = await socket.emitWithAck('subscribe', { channel: 'feed:1', since: 0 });
    expect(ack).toMatchObject({ ok: true, head: 0, recovered: true, messages: [] });
  });
});
