/** What request-body decoders return, and the JSON checks they share. */

/** A decoded body, or the `message` of a 400. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; message: string };

/** A JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `JSON.parse`, as a {@link Decoded}. */
export function parseJson(text: string): Decoded<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, message: 'invalid JSON body' };
  }
}
