import { createHash } from 'node:crypto';

/** Something to write: a value still to encode, or text ready to go out. */
type Work = { value: unknown } | string;

/**
 * JSON with object members sorted, so `{a,b}` and `{b,a}` (the same JSON value) encode alike.
 *
 * Iterative, with its own stack: the value comes from a request, and a recursive encoder would
 * overflow the call stack on data nested a few thousand levels (the schemas bound `data` to
 * `MAX_DATA_DEPTH` levels; this does not rely on it). The output is byte for byte what the
 * earlier recursive version wrote, so fingerprints already stored stay valid: a scalar as
 * `JSON.stringify` writes it (`null` for `undefined` and functions), members whose value is
 * `undefined` left out, array holes written as nothing.
 */
export function canonicalJson(value: unknown): string {
  let out = '';
  const stack: Work[] = [{ value }];
  while (stack.length > 0) {
    const work = stack.pop()!;
    if (typeof work === 'string') {
      out += work;
      continue;
    }
    const v = work.value;
    if (v === null || typeof v !== 'object') {
      out += JSON.stringify(v) ?? 'null';
      continue;
    }
    // Pushed in reverse, so that they come off the stack in order.
    if (Array.isArray(v)) {
      stack.push(']');
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push(i in v ? { value: v[i] } : '');
        if (i > 0) stack.push(',');
      }
      stack.push('[');
      continue;
    }
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, m]) => m !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    stack.push('}');
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, m] = entries[i]!;
      stack.push({ value: m }, `${JSON.stringify(k)}:`);
      if (i > 0) stack.push(',');
    }
    stack.push('{');
  }
  return out;
}

/** The fingerprint of a request, for idempotency: equal for equal JSON values. */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url');
}
