import { HeraldError, validationDetails } from '@herald/protocol';
import type { z } from 'zod';

/** Validate a socket payload with a protocol schema; VALIDATION_FAILED with details otherwise. */
export function parsePayload<S extends z.ZodType>(schema: S, payload: unknown): z.infer<S> {
  const r = schema.safeParse(payload);
  if (!r.success) throw new HeraldError('VALIDATION_FAILED', undefined, validationDetails(r.error));
  return r.data;
}
