/** Every HTTP error leaves as `{ error: { code, message, details? } }` with the catalogue's status. */
import { HeraldError, type ErrorResponse } from '@herald/protocol';
import type { FastifyError, FastifyInstance } from 'fastify';

/** fastify's own error codes, mapped onto the catalogue. */
const FASTIFY_CODES: Record<string, HeraldError['code']> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_BAD_URL: 'VALIDATION_FAILED',
  FST_ERR_MAX_PARAM_LENGTH: 'VALIDATION_FAILED',
};

export function toHeraldError(err: FastifyError | Error): HeraldError {
  if (err instanceof HeraldError) return err;
  const code = (err as FastifyError).code;
  if (code && FASTIFY_CODES[code]) return new HeraldError(FASTIFY_CODES[code], code === 'FST_ERR_BAD_URL' ? 'The URL is malformed' : undefined);
  if (err instanceof SyntaxError) return new HeraldError('INVALID_JSON');
  const status = (err as FastifyError).statusCode;
  if (status === 413) return new HeraldError('PAYLOAD_TOO_LARGE');
  if (status === 415) return new HeraldError('UNSUPPORTED_MEDIA_TYPE');
  if (status !== undefined && status >= 400 && status < 500) return new HeraldError('VALIDATION_FAILED', err.message);
  return new HeraldError('INTERNAL');
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const herald = toHeraldError(err);
    if (herald.code === 'INTERNAL') request.log.error({ err }, 'request failed');
    const body: ErrorResponse = { error: herald.toBody() };
    return reply.status(herald.status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const body: ErrorResponse = {
      error: new HeraldError('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`).toBody(),
    };
    return reply.status(404).send(body);
  });
}
