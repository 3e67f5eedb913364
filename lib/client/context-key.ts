import type { EvalContext } from '../types.js';

/**
 * A key equal for equal contexts, and only for contexts the transports send alike: user id, e-mail
 * and attributes as {@link canonicalJson}. The order attributes were written in never matters. Used
 * wherever the client keys something by context: `snapshotFor` entries, store scopes, fleet scopes,
 * a transport's per-context state.
 */
export function contextKey(context: EvalContext): string {
  // An undefined attribute is not sent, so it is left out; one deeper is not (a transport then leaves its whole attribute out).
  // A null e-mail (from plain JavaScript) is sent as null: it keeps its own key.
  const attributes = Object.entries(context.attributes ?? {}).filter(([, value]) => value !== undefined);
  const { userId = '', email = '' } = context;
  return canonicalJson({ userId, email, attributes: Object.fromEntries(attributes) });
}

/**
 * JSON with object keys sorted at every depth; never throws (unless a `toJSON()` does). A date (of
 * any realm) is written as the ISO text the transports send for it, any other object with `toJSON()`
 * as what that returns, as the client's copy of a context holds it. What JSON cannot carry (a bigint, a non-finite
 * number, a function, `undefined`, an invalid date, a circular reference…) is written as a token no JSON text is
 * (`<12n>`, `<NaN>`, `<circular>`), so it never shares a key with a value that is sent.
 */
export function canonicalJson(value: unknown, seen = new Set<object>()): string {
  if (typeof value === 'bigint') return `<${value}n>`;
  if (typeof value === 'number' && !Number.isFinite(value)) return `<${value}>`;
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? `<${typeof value}>`;
  // A valid date (of any realm) is its toJSON(): the ISO text.
  if (Object.prototype.toString.call(value) === '[object Date]' && Number.isNaN(+value)) return '<invalid date>';
  if (seen.has(value)) return '<circular>';
  seen.add(value);
  // What toJSON() returns, as the client's copy of a context holds it (keys are taken of those copies,
  // which hold no toJSON(): an app's own context, as storeScope gets it, is the only one that has any).
  const { toJSON } = value as { toJSON?: unknown };
  const json: unknown = typeof toJSON === 'function' ? toJSON.call(value) : value;
  const text = json !== value
    ? canonicalJson(json, seen)
    : Array.isArray(value)
    ? `[${value.map((item) => canonicalJson(item, seen)).join(',')}]`
    : `{${Object.keys(value)
        .sort()
        .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key], seen)}`)
        .join(',')}}`;
  seen.delete(value);
  return text;
}
