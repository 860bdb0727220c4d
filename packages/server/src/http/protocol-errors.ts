/**
 * Errors Node's HTTP server or fastify answer before a request reaches a route (a request line or
 * headers that do not parse or are too large, a request that never finished arriving, an
 * `Expect` Herald does not support, a request that arrives while the server closes): each one
 * leaves in Herald's `{ error: { code, message } }` shape with a catalogue code, like every
 * other answer on Herald's port.
 */
import type { Socket } from 'node:net';
import { maxHeaderSize, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { HeraldError, type ErrorCode, type ErrorResponse } from '@herald/protocol';
import type { FastifyInstance } from 'fastify';

/** The answer to a request Node's parser refused, as raw HTTP (no request object exists yet). */
function rawAnswer(code: ErrorCode): string {
  const herald = new HeraldError(code);
  const body = JSON.stringify({ error: herald.toBody() } satisfies ErrorResponse);
  return (
    `HTTP/1.1 ${herald.status} ${STATUS_CODES[herald.status] ?? 'Error'}\r\n` +
    `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `Connection: close\r\n\r\n${body}`
  );
}

/**
 * Whether the request line alone is over Node's header limit (the limit counts the whole head):
 * then the URL is what is too long. `rawPacket` is the chunk the parser was reading.
 */
function requestLineOverflows(rawPacket: Buffer | undefined): boolean {
  if (!rawPacket) return false;
  const eol = rawPacket.indexOf(0x0a);
  return eol === -1 ? rawPacket.length >= maxHeaderSize : eol >= maxHeaderSize;
}

/** Which code a parser error gets. */
function codeOf(err: Error & { code?: string; rawPacket?: Buffer }): ErrorCode {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 'REQUEST_TIMEOUT';
    case 'HPE_HEADER_OVERFLOW':
      return requestLineOverflows(err.rawPacket) ? 'URI_TOO_LONG' : 'HEADERS_TOO_LARGE';
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return 'PAYLOAD_TOO_LARGE';
    case 'HPE_INVALID_VERSION':
      return 'HTTP_VERSION_NOT_SUPPORTED';
    default:
      return 'BAD_REQUEST';
  }
}

/**
 * fastify's `clientErrorHandler`: Node's `clientError` (the connection's bytes are not a request
 * it can hand on). Answers in Herald's format, then closes the connection, as Node does.
 */
export function clientErrorHandler(this: FastifyInstance, err: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  this.log.debug({ err }, 'client error');
  // An answer already under way on this connection must not be corrupted by a second one.
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) socket.write(rawAnswer(codeOf(err)));
  socket.destroy(err);
}

/**
 * Answer, in Herald's format, what fastify and Node would answer in theirs after routing starts:
 * a request on a closing server (`503 UNAVAILABLE`; pass `return503OnClosing: false` to fastify)
 * and an `Expect` header other than `100-continue` (`417 EXPECTATION_FAILED`).
 */
export function installProtocolErrors(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (!closing) return;
    const body: ErrorResponse = { error: new HeraldError('UNAVAILABLE', 'The server is shutting down').toBody() };
    return reply.status(503).header('connection', 'close').send(body);
  });
  app.server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
    const body = JSON.stringify({ error: new HeraldError('EXPECTATION_FAILED').toBody() } satisfies ErrorResponse);
    res.writeHead(417, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
    res.end(body);
  });
}
