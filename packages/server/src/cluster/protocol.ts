/**
 * What the primary and its workers say to each other over the cluster IPC channel, and the two
 * small parsers both sides share: the Engine.IO session id of a request line, and the session id
 * in the answer to an Engine.IO handshake.
 */

/** Socket.IO's path on every Herald node (see `gateway.ts`). */
export const ENGINE_PATH = '/socket.io/';

/** Primary → worker: a client connection (its handle travels beside the message). */
export interface ConnectionMessage {
  readonly herald: 'connection';
  /** Numbers the hand-over, for the worker's `taken`. */
  readonly id: number;
  /** The bytes the primary read before it stopped reading (base64): at least the request line. */
  readonly head: string;
}

/** Worker → primary: the server is ready for connections. */
export interface ReadyMessage {
  readonly herald: 'ready';
}

/** Worker → primary: this worker created an Engine.IO session; route its requests here. */
export interface SessionMessage {
  readonly herald: 'session';
  readonly sid: string;
}

/**
 * Worker → primary: connection `id` arrived and nothing was read from it yet. Until then the
 * primary keeps its copy, and hands the connection to another worker if this one dies.
 */
export interface TakenMessage {
  readonly herald: 'taken';
  readonly id: number;
}

export type WorkerMessage = ReadyMessage | SessionMessage | TakenMessage;

/** Whether an IPC message is one of Herald's (cluster's own messages share the channel). */
export function isHeraldMessage<T extends { herald: string }>(message: unknown, kind: T['herald']): message is T {
  return typeof message === 'object' && message !== null && (message as { herald?: unknown }).herald === kind;
}

/** What the primary needs to know about a request to route it. */
export interface RequestLine {
  /** An Engine.IO request (polling or WebSocket upgrade). */
  engine: boolean;
  /** Its `sid` query parameter, when it belongs to an existing session. */
  sid: string | undefined;
}

/**
 * Parse an HTTP request line (`GET /socket.io/?EIO=4&transport=polling&sid=… HTTP/1.1`).
 * Only the line is needed: Engine.IO puts the session id in the query string, never in a header.
 * Anything unparsable is routed like a request without session (the worker answers it).
 */
export function parseRequestLine(line: string): RequestLine {
  const target = line.split(' ', 3)[1] ?? '';
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  if (path !== ENGINE_PATH && path !== ENGINE_PATH.slice(0, -1)) return { engine: false, sid: undefined };
  const sid = q === -1 ? null : new URLSearchParams(target.slice(q + 1)).get('sid');
  return { engine: true, sid: sid || undefined };
}

/** The `sid` of an Engine.IO v4 open packet (`0{"sid":"…",…}`), the body of a polling handshake's answer. */
export function openPacketSid(body: unknown): string | undefined {
  const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8', 0, 512) : undefined;
  // Only the open packet: the first packet of the payload (packets are separated by 0x1e).
  if (text === undefined || !text.startsWith('0{')) return undefined;
  const end = text.indexOf('\x1e');
  try {
    const open = JSON.parse(text.slice(1, end === -1 ? undefined : end)) as { sid?: unknown };
    return typeof open.sid === 'string' && open.sid !== '' ? open.sid : undefined;
  } catch {
    return undefined;
  }
}
