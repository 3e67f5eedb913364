import type { EvalContext } from '../types.js';

/**
 * A key equal for equal contexts: user id, e-mail and attributes as canonical JSON (object keys
 * sorted at every depth, `undefined` members left out). The order attributes were written in never
 * matters. It never throws: bigints are written as text, a circular reference as a marker. Used
 * wherever the client keys something by context: `snapshotFor` entries, store scopes, fleet scopes,
 * a transport's per-context state.
 */
export function contextKey(context: EvalContext): string {
  return canonicalJson({ userId: context.userId ?? '', email: context.email ?? '', attributes: context.attributes ?? {} });
}

/** JSON with object keys sorted at every depth; never throws (bigints as text, cycles as a marker, other non-JSON as `null`). */
export function canonicalJson(value: unknown, seen = new Set<object>()): string {
  if (typeof value === 'bigint') return `"${value}n"`;
  // Primitives as JSON does; what JSON cannot write (a non-finite number, a function) as `null`.
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
  if (seen.has(value)) return '"[circular]"';
  seen.add(value);
  const text = Array.isArray(value)
    ? `[${value.map((item) => canonicalJson(item, seen)).join(',')}]`
    : `{${Object.keys(value)
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .sort()
        .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key], seen)}`)
        .join(',')}}`;
  seen.delete(value);
  return text;
}
