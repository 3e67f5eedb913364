/**
 * Rollgate identify records: a user's attributes, kept in memory per user id with replace
 * semantics, and turned into the evaluator's string attributes.
 */
import { isObject, parseJson, type Decoded } from './decoded.js';
import type { EvalInput } from './evaluator.js';

/** A decoded `{"user":{"id","email","attributes"}}`; `id` may be `""` (then nothing is stored). */
export interface IdentifyRequest {
  id: string;
  /** `attributes` as strings, plus `email` when given and not already an attribute. */
  attributes: Record<string, string>;
}

/**
 * Identify records, global per user id (not per key), living until replaced. The flag routes and
 * the stream evaluate a `user_id` with its record's attributes plus `id` (the user id itself).
 */
export class Identities {
  readonly #records = new Map<string, Readonly<Record<string, string>>>();

  /** Replace the record of `request.id`; an empty id stores nothing. */
  identify(request: IdentifyRequest): void {
    if (request.id !== '') this.#records.set(request.id, request.attributes);
  }

  /** The evaluation input for a user id (`""` = anonymous). */
  input(userId: string): EvalInput {
    const attributes: Record<string, string> = Object.create(null) as Record<string, string>;
    Object.assign(attributes, this.#records.get(userId), { id: userId });
    return { userId, attributes };
  }
}

/**
 * Decode an identify body. Attribute values may be any JSON: strings stay as they are, numbers
 * and booleans become their JSON text (`31`, `true`), `null` becomes `""` (present, as on the
 * Cuttlegate wire), arrays and objects their compact JSON. Numeric operators parse the text back.
 */
export function decodeIdentify(body: string): Decoded<IdentifyRequest> {
  const parsed = parseJson(body);
  if (!parsed.ok) return parsed;
  const root = parsed.value;
  if (!isObject(root) || !isObject(root.user)) return { ok: false, message: 'expected {"user":{"id":…}}' };
  const { id, email, attributes } = root.user;
  if (id !== undefined && id !== null && typeof id !== 'string') return { ok: false, message: 'user.id must be a string' };
  if (email !== undefined && email !== null && typeof email !== 'string') return { ok: false, message: 'user.email must be a string' };
  if (attributes !== undefined && attributes !== null && !isObject(attributes)) {
    return { ok: false, message: 'user.attributes must be an object' };
  }
  const texts: Record<string, string> = Object.create(null) as Record<string, string>;
  if (typeof email === 'string' && email !== '') texts.email = email;
  for (const [name, value] of Object.entries(attributes ?? {})) texts[name] = attributeText(value);
  return { ok: true, value: { id: id ?? '', attributes: texts } };
}

/** An attribute value as the evaluator's text: strings as they are, `null` → `""`, anything else its compact JSON. */
export function attributeText(value: unknown): string {
  if (typeof value === 'string') return value;
  return value === null ? '' : JSON.stringify(value);
}
