/**
 * The listener tables of a connection's event emitters, in V8's compact form.
 *
 * Node's `EventEmitter` keeps its listeners in `_events`, an object made with a null prototype,
 * which V8 holds in dictionary mode: a hash table of ~0.15–0.35 KiB per emitter however few
 * listeners it has. A connected socket has four such emitters for its life (socket.io's `Socket`,
 * engine.io's `Socket` and WebSocket transport, and ws's `WebSocket`). Once their listeners are in
 * place, each table is copied into an object with the same keys and values, still with a null
 * prototype, that V8 keeps in fast mode (a few words per listener): ~0.9 KiB per idle connection.
 * (Node's streams already do the same for theirs, `net.Socket` included.)
 *
 * `_events` is an internal of Node's, but `EventEmitter` reads and writes it only as a plain
 * object of type → listener(s), which the copy is; so the copy behaves as the table did, and a
 * listener added or removed later works as before (a removal may turn it back into a dictionary,
 * which only gives back the saving). The swap is guarded: anything other than the expected table
 * is left alone.
 */
import { EventEmitter } from 'node:events';

interface EmitterInternals {
  _events?: unknown;
}

/**
 * Replace `emitter`'s listener table by a compact copy of it; anything unexpected is left as is.
 * Answers whether the table was replaced.
 */
export function compactListeners(emitter: unknown): boolean {
  if (!(emitter instanceof EventEmitter)) return false;
  const internals = emitter as EmitterInternals;
  const table = internals._events;
  if (typeof table !== 'object' || table === null || Object.getPrototypeOf(table) !== null) return false;
  // Built on `{}` (fast mode), then given the null prototype the table had: setting the prototype
  // keeps the object fast, where `Object.create(null)` would start it as a dictionary. Symbol keys
  // (`events.errorMonitor`) are copied too.
  const copy: Record<PropertyKey, unknown> = {};
  for (const key of Reflect.ownKeys(table)) copy[key] = (table as Record<PropertyKey, unknown>)[key];
  Object.setPrototypeOf(copy, null);
  internals._events = copy;
  return true;
}

/** The emitters behind one socket.io socket, as far as they are there (all of them on WebSocket). */
interface SocketChain {
  conn?: { transport?: { socket?: unknown } };
}

/**
 * Compact the listener tables of a connected socket.io socket and the engine.io socket, transport
 * and ws `WebSocket` under it. Call it once their listeners are in place (on `connection`, and
 * again for the new transport after an upgrade).
 */
export function compactSocketListeners(socket: unknown): boolean {
  const conn = (socket as SocketChain).conn;
  // Each one compacted, whatever the others do.
  const done = [socket, conn, conn?.transport, conn?.transport?.socket].map(compactListeners);
  return done.every(Boolean);
}
