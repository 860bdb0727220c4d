/**
 * What engine.io keeps per WebSocket connection, for the connection's life, although nothing reads
 * it once the connection is open: the upgrade request and the stand-in response made for it, and a
 * listener for errors before the upgrade. Each trim below names the engine.io detail it relies on
 * and is guarded, so that a release which changes that detail leaves the memory in place rather
 * than breaking a connection. Together ~1.7 KiB per idle connection.
 */
import { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Server } from 'socket.io';
import type { PatchObserver } from './patches.js';

type Engine = Server['engine'];
type Listener = (...args: unknown[]) => void;

/** Install the trims; `observe` hears, for each connection, whether each one took effect. */
export function trimEnginePerConnection(engine: Engine, observe: PatchObserver = () => {}): void {
  // The HTTP request that opened a connection (headers, socket, parser state): Herald needs nothing
  // of it after the Origin check; the handshake's `auth` travels in the Socket.IO CONNECT packet.
  // (Socket.IO's "Memory usage" guide recommends the same.) Also drop engine.io's `onUpgradeError`,
  // which swallows `ws` errors until a transport listens and is only removed when a polling
  // session upgrades: once the socket exists, its transport's own `error` listener is in place.
  engine.on('connection', (raw: { request: unknown; transport?: { socket?: Partial<Duplex> } }) => {
    raw.request = null;
    const ws = raw.transport?.socket;
    // A polling connection has no ws socket (and engine.io adds no such listener to it).
    if (ws === undefined) return;
    if (typeof ws.listeners !== 'function' || typeof ws.removeListener !== 'function') return observe('engine-upgrade-error-listener', false);
    const listeners = ws.listeners('error') as Listener[];
    const swallow = listeners.find((l) => l.name === 'onUpgradeError');
    // Never leave `ws` without an error listener: an unheard 'error' would end the process.
    const removable = swallow !== undefined && listeners.length > 1;
    if (removable) ws.removeListener('error', swallow);
    observe('engine-upgrade-error-listener', removable);
  });

  // For a WebSocket upgrade engine.io makes a stand-in response (`WebSocketResponse`) that holds
  // `req` and that a `close` listener on the TCP socket keeps for the connection's life, request
  // included. It only serves middlewares like this one (its `setHeader` writes through `req`).
  // As the last middleware, Herald lets go of its `req`; real HTTP responses (polling) are left
  // alone. Being a middleware also makes engine.io finish the upgrade asynchronously, which the
  // trim after it relies on.
  engine.use((_req: unknown, res: { req?: unknown }, next: () => void) => {
    if (!(res instanceof ServerResponse)) {
      const held = 'req' in res;
      if (held) res.req = null;
      observe('engine-upgrade-response', held);
    }
    next();
  });

  // The stand-in itself: `handleUpgrade` makes it (adding its `socket.once('close')`) and hands it
  // to the middlewares, which run asynchronously; so the one `close` listener added during the
  // call is the stand-in's. Nothing listens to the stand-in's own `close` (Herald's middleware
  // above does not), so that listener can go. Guarded: exactly one new listener, a `once` one
  // (`ws` adds its own with `on`, synchronously when there is no middleware).
  const handleUpgrade = engine.handleUpgrade;
  if (typeof handleUpgrade !== 'function') return observe('engine-upgrade-close-listener', false);
  engine.handleUpgrade = function (this: Engine, req, socket, head) {
    const before = socket.rawListeners('close');
    handleUpgrade.call(this, req, socket, head);
    const added = socket.rawListeners('close').filter((l) => !before.includes(l));
    const standIn = added.length === 1 && typeof (added[0] as { listener?: unknown }).listener === 'function';
    if (standIn) socket.removeListener('close', added[0] as Listener);
    observe('engine-upgrade-close-listener', standIn);
  };
}

/** The arrays of engine.io and ws that a connection keeps and that are usually empty or hold one item. */
interface ConnectionArrays {
  cleanupFn?: unknown;
  sentCallbackFn?: unknown;
  transport?: { socket?: { _receiver?: { _buffers?: unknown; _bufferedBytes?: unknown } } };
}

/**
 * V8 grows an array to 17 slots on the first push onto an empty one, and never gives the slots back
 * as items are shifted off. Three such arrays stay with a connection for its life (~0.3 KiB):
 * engine.io's `cleanupFn` (one function per transport) and `sentCallbackFn` (drained after every
 * write), and ws's `Receiver#_buffers` (drained after every frame). Each is replaced by an exact
 * copy. The owners only ever read them through the field, and this runs from a `nextTick` after the
 * handshake, outside their processing; the receiver's only when it holds no bytes.
 */
export function trimConnectionArrays(engineSocket: unknown): boolean {
  const conn = engineSocket as ConnectionArrays | undefined;
  if (!conn) return false;
  let trimmed = 0;
  if (Array.isArray(conn.cleanupFn)) {
    conn.cleanupFn = conn.cleanupFn.slice();
    trimmed++;
  }
  if (Array.isArray(conn.sentCallbackFn)) {
    conn.sentCallbackFn = conn.sentCallbackFn.slice();
    trimmed++;
  }
  const receiver = conn.transport?.socket?._receiver;
  if (receiver && Array.isArray(receiver._buffers) && receiver._buffers.length === 0 && receiver._bufferedBytes === 0) {
    receiver._buffers = [];
    trimmed++;
  }
  // Answers whether all three were trimmed (the receiver's only exists on WebSocket).
  return trimmed === 3;
}

/** ws's `Receiver`, as far as {@link forgetMasks} relies on it. */
interface MaskHolder {
  _mask?: unknown;
  on?(event: 'message', listener: (this: MaskHolder) => void): unknown;
}

/** A `message` listener of every receiver: the mask was applied, drop it. */
function forgetMask(this: MaskHolder): void {
  this._mask = undefined;
}

/**
 * ws's `Receiver` keeps the masking key of the last frame a client sent (`_mask`) as a 4-byte view
 * into that frame's read buffer, so the view, the buffer's ArrayBuffer and its memory stay with an
 * idle connection (~0.24 KiB). The key is used only while that frame's payload is unmasked, before
 * the frame's `message` event, so a listener of the receiver's own (one function for all, called
 * with the receiver as `this`) lets go of it after each message. Skipped unless the field is there.
 */
export function forgetMasks(engineSocket: unknown): boolean {
  const receiver = (engineSocket as ConnectionArrays | undefined)?.transport?.socket?._receiver as MaskHolder | undefined;
  if (!receiver || !('_mask' in receiver) || typeof receiver.on !== 'function') return false;
  receiver._mask = undefined;
  receiver.on('message', forgetMask);
  return true;
}
