/**
 * Decoding Cuttlegate request bodies the way the reference server does: only the first JSON value
 * is read, unknown fields are ignored, and field names match case-insensitively.
 */
import { isObject, type Decoded } from './decoded.js';
import type { EvalInput } from './evaluator.js';

const INVALID: Decoded<never> = { ok: false, message: 'invalid request body' };

/** `{"context":{"user_id","attributes"}}` → the evaluation input. */
export function decodeEvalRequest(body: string): Decoded<EvalInput> {
  const parsed = firstJsonValue(body);
  if (!parsed.ok) return INVALID;
  const root = parsed.value;
  if (root === null) return { ok: false, message: 'context is required' };
  if (!isObject(root)) return INVALID;
  const context = field(root, 'context');
  if (context === undefined || context === null) return { ok: false, message: 'context is required' };
  if (!isObject(context)) return INVALID;
  const userId = field(context, 'user_id') ?? null;
  if (userId !== null && typeof userId !== 'string') return INVALID;
  const raw = field(context, 'attributes') ?? null;
  if (raw !== null && !isObject(raw)) return INVALID;
  const attributes: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of Object.entries(raw ?? {})) {
    if (value !== null && typeof value !== 'string') return INVALID;
    attributes[name] = value ?? '';
  }
  return { ok: true, value: { userId: userId ?? '', attributes } };
}

/** `{"enabled":bool}` for the toggle route. */
export function decodeToggleRequest(body: string): Decoded<boolean> {
  const parsed = firstJsonValue(body);
  if (!parsed.ok || !isObject(parsed.value)) return INVALID;
  const enabled = field(parsed.value, 'enabled');
  return typeof enabled === 'boolean' ? { ok: true, value: enabled } : INVALID;
}

/** Parse the first JSON value of `text`, ignoring whatever follows an object or array. */
function firstJsonValue(text: string): Decoded<unknown> {
  const start = text.search(/\S/);
  if (start < 0) return INVALID;
  const end = text[start] === '{' || text[start] === '[' ? closingIndex(text, start) : text.length;
  if (end < 0) return INVALID;
  try {
    return { ok: true, value: JSON.parse(text.slice(start, end)) as unknown };
  } catch {
    return INVALID;
  }
}

/** Index just past the bracket that closes the one at `start`, or -1 when unbalanced. */
function closingIndex(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
    } else if (ch === '{' || ch === '[') {
      depth++;
    } else if ((ch === '}' || ch === ']') && --depth === 0) {
      return i + 1;
    }
  }
  return -1;
}

/** An exact-name field, else the first whose name matches case-insensitively. */
function field(object: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(object, name)) return object[name];
  const match = Object.keys(object).find((key) => key.toLowerCase() === name);
  return match === undefined ? undefined : object[match];
}
