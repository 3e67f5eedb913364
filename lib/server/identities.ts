/**
 * Rollgate users: identify records (a user's attributes, kept in memory per user id with replace
 * semantics), the user a flag request names in its headers, and both as the evaluator's input.
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

  /** The evaluation input for a user id (`""` = anonymous): its record's attributes. */
  input(userId: string): EvalInput {
    return evalInput({ id: userId, attributes: this.#records.get(userId) ?? {} });
  }
}

/** The evaluation input of a user: its attributes plus `id` (the user id itself). */
export function evalInput(user: IdentifyRequest): EvalInput {
  const attributes: Record<string, string> = Object.create(null) as Record<string, string>;
  Object.assign(attributes, user.attributes, { id: user.id });
  return { userId: user.id, attributes };
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
  return decodeUser(root.user);
}

/** A user object `{"id","email","attributes"}` (identify's `user`, or `X-User-Context`), as an {@link IdentifyRequest}. */
function decodeUser(user: Record<string, unknown>): Decoded<IdentifyRequest> {
  const { id, email, attributes } = user;
  if (id !== undefined && id !== null && typeof id !== 'string') return { ok: false, message: 'user.id must be a string' };
  if (email !== undefined && email !== null && typeof email !== 'string') return { ok: false, message: 'user.email must be a string' };
  if (attributes !== undefined && attributes !== null && !isObject(attributes)) {
    return { ok: false, message: 'user.attributes must be an object' };
  }
  return { ok: true, value: { id: id ?? '', attributes: attributeTexts((email ?? undefined) as string | undefined, (attributes ?? {}) as Record<string, unknown>) } };
}

/** `email` (when non-empty) as attribute `email`, then every attribute as text; an attribute named `email` wins. */
function attributeTexts(email: string | undefined, attributes: Record<string, unknown>): Record<string, string> {
  const texts: Record<string, string> = Object.create(null) as Record<string, string>;
  if (email !== undefined && email !== '') texts.email = email;
  for (const [name, value] of Object.entries(attributes)) texts[name] = attributeText(value);
  return texts;
}

/** A request's headers, as Node gives them (names lower-cased). */
type Headers = Readonly<Record<string, string | string[] | undefined>>;

/**
 * The user a flag request names in its headers, first match wins (rollgate.md §3), else undefined
 * (then `user_id` and its identify record apply):
 * 1. `X-User-Context`: base64 (standard, else URL-safe) of JSON `{"id","email","attributes"}`, used
 *    only when it decodes and `id` is not empty. Its attributes replace the identify record's.
 * 2. `X-User-ID`, with optional `X-User-Email` and `X-User-Attributes` (a raw JSON object; ignored
 *    when it is not one).
 */
export function userFromHeaders(headers: Headers): IdentifyRequest | undefined {
  const context = single(headers['x-user-context']);
  const fromContext = context === undefined ? undefined : decodeUserContext(context);
  if (fromContext !== undefined) return fromContext;
  const id = single(headers['x-user-id']);
  if (id === undefined || id === '') return undefined;
  const attributes = parseJson(single(headers['x-user-attributes']) ?? '');
  return { id, attributes: attributeTexts(single(headers['x-user-email']), attributes.ok && isObject(attributes.value) ? attributes.value : {}) };
}

/** An `X-User-Context` value's user, when it decodes to one with a non-empty id. */
function decodeUserContext(value: string): IdentifyRequest | undefined {
  const text = base64Text(value);
  const parsed = text === undefined ? undefined : parseJson(text);
  if (!parsed?.ok || !isObject(parsed.value)) return undefined;
  const user = decodeUser(parsed.value);
  return user.ok && user.value.id !== '' ? user.value : undefined;
}

const STANDARD_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_SAFE_BASE64 = /^[A-Za-z0-9_-]*={0,2}$/;

/** Padded base64 text, standard alphabet or else URL-safe, decoded as UTF-8; undefined when it is neither. */
function base64Text(value: string): string | undefined {
  if (value.length % 4 !== 0) return undefined;
  const encoding = STANDARD_BASE64.test(value) ? 'base64' : URL_SAFE_BASE64.test(value) ? 'base64url' : undefined;
  if (encoding === undefined) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(value, encoding));
  } catch {
    return undefined;
  }
}

/** A header's one value (a repeated header counts as absent). */
function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** An attribute value as the evaluator's text: strings as they are, `null` → `""`, anything else its compact JSON. */
export function attributeText(value: unknown): string {
  if (typeof value === 'string') return value;
  return value === null ? '' : JSON.stringify(value);
}
