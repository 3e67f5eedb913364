import { frozenJson } from '../../client/state/json-values.js';
import { InvalidResponseError } from '../../errors.js';
import type { EvalContext, EvalResult, JsonValue } from '../../types.js';
import type { InvalidFlag, StreamMessage } from '../transport.js';
import { isRecord } from '../values.js';

/** One flag as the Cuttlegate evaluation routes send it. */
export interface CuttlegateFlag {
  key: string;
  enabled: boolean;
  value: string | null;
  value_key: string;
  reason: string;
  type: string;
}

/**
 * The request body: attributes go as strings only (numbers, booleans and bigints via `String()`, a
 * date as its ISO text like the other transports: a context's key counts it as that text), so a
 * request never fails with 400. Names of attributes that cannot be sent go to `dropped`.
 */
export function requestBody(ctx: EvalContext, dropped: (names: readonly string[]) => void): unknown {
  const attributes = Object.create(null) as Record<string, string>;
  const left: string[] = [];
  for (const [name, raw] of Object.entries(ctx.attributes ?? {})) {
    if (['string', 'number', 'boolean', 'bigint'].includes(typeof raw)) attributes[name] = String(raw);
    else if (raw instanceof Date && !Number.isNaN(raw.getTime())) attributes[name] = raw.toISOString();
    else left.push(name);
  }
  if (left.length > 0) dropped(left);
  return { context: { user_id: ctx.userId ?? '', attributes } };
}

/**
 * The flag types of the Cuttlegate wire, each with its details, sealed once: every result shares
 * them, so a reload compares them by reference.
 */
const FLAG_TYPES = new Map(['bool', 'string', 'number', 'json'].map((type) => [type, frozenJson({ type }) as Record<string, JsonValue>]));

/**
 * Validates and maps one wire flag, or throws `InvalidResponseError` naming the flag and the field:
 * an object with `key` a non-empty string, `enabled` a boolean, `reason` a string, `type` one of
 * `bool`, `string`, `number`, `json`, `value_key` a string (or absent when `value` is a string),
 * `value` a string or null (or absent). `evaluatedAt` comes from the bulk response or the receipt time.
 */
export function toEvalResult(raw: unknown, evaluatedAt: string, where: string, texts?: JsonTexts): EvalResult {
  if (!isRecord(raw) || typeof raw.key !== 'string' || raw.key === '') throw new InvalidResponseError(`${where}: flag entry is not an object with a key`);
  const key = raw.key;
  const bad = (field: string, expected: string): InvalidResponseError =>
    new InvalidResponseError(`${where}: flag ${JSON.stringify(key)}: ${field} must be ${expected}`);
  if (typeof raw.enabled !== 'boolean') throw bad('enabled', 'a boolean');
  if (typeof raw.reason !== 'string') throw bad('reason', 'a string');
  if (!FLAG_TYPES.has(raw.type as string)) throw bad('type', 'one of bool, string, number, json');
  if (raw.value_key !== undefined && typeof raw.value_key !== 'string') throw bad('value_key', 'a string');
  if (raw.value !== undefined && raw.value !== null && typeof raw.value !== 'string') throw bad('value', 'a string or null');
  if (typeof raw.value_key !== 'string' && typeof raw.value !== 'string') throw bad('value_key', 'present');
  const { enabled, value_key, value: text, reason, type } = raw as unknown as CuttlegateFlag;
  const variant = (value_key || text) ?? '';
  const value = typedValue(type, variant, texts);
  const result: EvalResult = { key, enabled, variant, value, reason, evaluatedAt, source: 'network', details: FLAG_TYPES.get(type) };
  if (value === undefined) result.errorCode = 'PARSE_ERROR';
  return result;
}

/**
 * A session's sealed JSON values by their wire text: the last bulk load's and the one being decoded.
 * An unchanged JSON flag decodes to the object the snapshot already holds: not parsed, copied or
 * frozen again, and the snapshot compares it by reference.
 */
export interface JsonTexts {
  last: Map<string, JsonValue>;
  next: Map<string, JsonValue>;
}

/**
 * A variant typed by the flag's declared type: bool → `variant === "true"`, string → the variant,
 * number → a finite number, json → parsed JSON; `undefined` (the flag's `PARSE_ERROR`) when it does
 * not parse or is not a finite number. With `texts`, a JSON value is sealed, and is the last load's
 * object when its text is unchanged.
 */
function typedValue(type: string, variant: string, texts?: JsonTexts): JsonValue | undefined {
  let value: JsonValue | undefined;
  try {
    value =
      type === 'bool' ? variant === 'true'
      : type === 'number' ? Number(variant.trim() || Number.NaN)
      : type !== 'json' ? variant
      : texts ? (texts.last.get(variant) ?? texts.next.get(variant) ?? frozenJson(JSON.parse(variant)))
      : (JSON.parse(variant) as JsonValue);
  } catch {
    // Not JSON: no value.
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return undefined;
  if (texts && type === 'json' && value !== undefined) texts.next.set(variant, value);
  return value;
}

/**
 * Maps a bulk response body. A body without a `flags` array, or whose entries are all malformed,
 * throws `InvalidResponseError`; otherwise a flag that fails validation goes to `invalid` (a keyless
 * entry under `#<index>`), a repeated key keeps its first entry, and the rest are returned.
 */
export function bulkResults(body: unknown, where: string, receivedAt: string, texts?: JsonTexts): { flags: EvalResult[]; invalid: InvalidFlag[] } {
  if (!isRecord(body) || !Array.isArray(body.flags)) {
    throw new InvalidResponseError(`${where}: response has no flags array`);
  }
  const evaluatedAt = (typeof body.evaluated_at === 'string' && body.evaluated_at) || receivedAt;
  const flags: EvalResult[] = [];
  const invalid: InvalidFlag[] = [];
  const seen = new Set<string>();
  body.flags.forEach((entry: unknown, index) => {
    const key = isRecord(entry) && typeof entry.key === 'string' && entry.key !== '' ? entry.key : `#${index}`;
    // A repeated key keeps its first entry, as on every transport: listed as rejected, the repeat
    // would read as an error in place of that entry's value.
    if (seen.has(key)) return;
    seen.add(key);
    try {
      flags.push(toEvalResult(entry, evaluatedAt, where, texts));
    } catch (error) {
      if (!(error instanceof InvalidResponseError)) throw error;
      invalid.push({ key, error });
    }
  });
  if (flags.length === 0 && invalid.length > 0) {
    throw new InvalidResponseError(`${where}: no valid flag in the payload (${invalid[0]!.error.message})`);
  }
  if (texts) [texts.last, texts.next] = [texts.next, new Map()];
  return { flags, invalid };
}

/**
 * What a stream frame tells the client: a `flag.state_changed` event is one `changed` message with its
 * `flag_key` and `enabled` (each left out when of the wrong type; the event is only a hint to
 * refetch), another event, or one naming another `project` or `environment` than `scope` (`[project,
 * environment]`), none; `undefined` for a frame that is not a JSON object with a string `type`.
 */
export function changeMessages(data: string, scope: readonly string[] = []): StreamMessage[] | undefined {
  let event: unknown;
  try {
    event = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (!isRecord(event) || typeof event.type !== 'string') return undefined;
  const { flag_key: key, enabled } = event;
  // An event of another environment says nothing about this one (and its `enabled` would ask for a re-check).
  const elsewhere = [event.project, event.environment].some((slug, i) => typeof slug === 'string' && slug !== (scope[i] ?? slug));
  return event.type === 'flag.state_changed' && !elsewhere
    ? [{ type: 'changed', key: typeof key === 'string' ? key : undefined, enabled: typeof enabled === 'boolean' ? enabled : undefined }]
    : [];
}
