/**
 * Route schemas are the zod schemas of `@herald/protocol`: this compiler lets fastify validate
 * body, params and query with them, and turns failures into `VALIDATION_FAILED` with details.
 * Answer schemas document (`openapi.ts`) and are not used to serialize.
 */
import { HeraldError, validationDetails } from '@herald/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodType } from 'zod';

export function installZodValidation(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const zod = schema as unknown as ZodType;
    return (data: unknown) => {
      const r = zod.safeParse(data);
      if (r.success) return { value: r.data };
      return { error: new HeraldError('VALIDATION_FAILED', `Invalid ${httpPart ?? 'request'}`, validationDetails(r.error)) };
    };
  });
  // Answer schemas (zod too) are for the OpenAPI document and the tests that hold answers to it:
  // answers are serialized as without a schema, with JSON.stringify. fast-json-stringify would
  // drop any field a schema does not name and cost a compile per route for no gain on answers
  // that are mostly `data` (any JSON).
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
}
