import { InvalidResponseError, RequestError } from '../../errors.js';
import { wireErrorCode } from '../../net/http.js';
import type { EvalContext, EvalResult, JsonValue } from '../../types.js';
import type { InvalidFlag } from '../transport.js';
import { isRecord, jsonObject, toJson } from '../values.js';

/** The body of both evaluation routes: `{context}` with `targetingKey` and the flattened attributes. */
export interface OfrepRequest {
  context: Record<string, JsonValue>;
}

/** Error codes a server sends; any other code is read as `GENERAL`. */
export const SERVER_ERROR_CODES = ['PARSE_ERROR', 'TARGETING_KEY_MISSING', 'INVALID_CONTEXT', 'GENERAL', 'FLAG_NOT_FOUND'] as const;

/** One mapped bulk response. */
export interface BulkFlags {
  flags: EvalResult[];
  invalid: InvalidFlag[];
  /**
   * Absolute URLs of the `sse` event streams it advertises (deduplicated, in order), `[]` when
   * it advertises none.
   */
  eventStreams: string[];
}

/**
 * The request body: `{targetingKey: userId, email, ...attributes}`. `userId` wins over an attribute
 * named `targetingKey` and `email` over one named `email`; an anonymous context sends no
 * `targetingKey` (unless an attribute carries one). Attributes JSON cannot carry are dropped with a warning.
 */
export function requestBody(ctx: EvalContext, warn: (message: string) => void): OfrepRequest {
  const context = jsonObject();
  const dropped: string[] = [];
  for (const name of Object.keys(ctx.attributes ?? {}).sort()) {
    const value = toJson(ctx.attributes![name]);
    if (value === undefined) dropped.push(name);
    else context[name] = value;
  }
  if (dropped.length > 0) warn(`ofrep: attributes ${dropped.join(', ')} are not JSON values and were not sent`);
  if (ctx.email !== undefined && ctx.email !== '') context.email = ctx.email;
  if (ctx.userId !== undefined && ctx.userId !== '') context.targetingKey = ctx.userId;
  return { context };
}

/**
 * Maps one evaluation item (success or failure) per the protocol's table. Throws
 * `InvalidResponseError` for an item that is not an object with a string `key`, or whose fields have
 * the wrong types; a success item without `value` (or with `null`) gives no value.
 */
export function toEvalResult(raw: unknown, receivedAt: string, where: string): EvalResult {
  if (!isRecord(raw) || typeof raw.key !== 'string' || raw.key === '') {
    throw new InvalidResponseError(`${where}: evaluation item without a key`);
  }
  const { key } = raw;
  const bad = (field: string): InvalidResponseError => new InvalidResponseError(`${where}: flag ${JSON.stringify(key)}: ${field}`);
  // Flat metadata (boolean, string or number values) as a prototype-free object; absent → `{}`.
  const details = jsonObject();
  const { metadata } = raw;
  if (metadata !== undefined && metadata !== null) {
    if (!isRecord(metadata) || !Object.values(metadata).every((value) => ['boolean', 'string', 'number'].includes(typeof value))) {
      throw bad('metadata is not a flat object of booleans, strings and numbers');
    }
    Object.assign(details, metadata);
  }

  if (raw.errorCode !== undefined) {
    if (typeof raw.errorCode !== 'string') throw bad('errorCode is not a string');
    if (typeof raw.errorDetails === 'string') details.errorDetails = raw.errorDetails;
    else if (raw.errorDetails !== undefined) throw bad('errorDetails is not a string');
    const code = (SERVER_ERROR_CODES as readonly string[]).includes(raw.errorCode) ? raw.errorCode : 'GENERAL';
    return { key, enabled: false, variant: '', value: undefined, reason: 'ERROR', evaluatedAt: receivedAt, source: 'network', errorCode: code, details };
  }

  if (typeof raw.reason !== 'string') throw bad('neither a reason nor an errorCode');
  if (raw.variant !== undefined && raw.variant !== null && typeof raw.variant !== 'string') throw bad('variant is not a string');
  // Parsed JSON already: `__proto__` keys in it are own properties, not prototypes.
  const value = (raw.value ?? undefined) as JsonValue | undefined;
  // Without a variant, the value's text (`"true"`/`"false"`, the string, the number, the JSON).
  const variant = typeof raw.variant === 'string' ? raw.variant : value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  return {
    key,
    enabled: raw.reason !== 'DISABLED',
    variant,
    value,
    reason: raw.reason,
    evaluatedAt: receivedAt,
    source: 'network',
    details,
  };
}

/**
 * Maps a bulk 200 body. A body that is not `{flags: [...]}` throws `InvalidResponseError`; an item
 * that fails validation goes to `invalid` under its key (the others apply), an item without a key is
 * skipped with a warning, and a repeated key keeps its first item. `eventStreams` entries are resolved against `baseOrigin`.
 */
export function bulkFlags(body: unknown, where: string, receivedAt: string, baseOrigin: string, warn: (message: string) => void): BulkFlags {
  if (!isRecord(body) || !Array.isArray(body.flags)) throw new InvalidResponseError(`${where}: response has no flags array`);
  const flags: EvalResult[] = [];
  const invalid: InvalidFlag[] = [];
  let keyless = 0;
  const seen = new Set<string>();
  for (const item of body.flags) {
    // A repeated key keeps its first item, as on every transport.
    const key = isRecord(item) && typeof item.key === 'string' ? item.key : undefined;
    if (key !== undefined && seen.has(key)) continue;
    if (key !== undefined) seen.add(key);
    try {
      flags.push(toEvalResult(item, receivedAt, where));
    } catch (error) {
      if (!(error instanceof InvalidResponseError)) throw error;
      if (key) invalid.push({ key, error });
      else keyless += 1;
    }
  }
  if (keyless > 0) warn(`ofrep: ${where}: skipped ${keyless} evaluation item(s) without a key`);
  return { flags, invalid, eventStreams: eventStreamUrls(body.eventStreams, baseOrigin, warn) };
}

/**
 * The URLs of the `sse` entries of `eventStreams`: `url` as given, or `endpoint.origin` (default
 * `baseOrigin`) + `endpoint.requestUri`. Entries of other types are ignored; malformed ones are
 * skipped with a warning that never shows the URL (it may carry a token).
 */
export function eventStreamUrls(raw: unknown, baseOrigin: string, warn: (message: string) => void): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    warn('ofrep: ignored eventStreams: not an array');
    return [];
  }
  const urls: string[] = [];
  raw.forEach((entry, index) => {
    if (!isRecord(entry) || entry.type !== 'sse') return;
    const url = streamUrl(entry, baseOrigin);
    if (url === undefined) warn(`ofrep: ignored eventStreams entry ${index + 1}: no valid http(s) url or endpoint`);
    else if (!urls.includes(url)) urls.push(url);
  });
  return urls;
}

function streamUrl(entry: Record<string, unknown>, baseOrigin: string): string | undefined {
  if (typeof entry.url === 'string') return httpUrl(entry.url);
  const { endpoint } = entry;
  if (!isRecord(endpoint) || typeof endpoint.requestUri !== 'string' || !endpoint.requestUri.startsWith('/')) return undefined;
  const origin = endpoint.origin === undefined ? baseOrigin : endpoint.origin;
  const parsedOrigin = typeof origin === 'string' ? httpUrl(origin) : undefined;
  return parsedOrigin && httpUrl(new URL(parsedOrigin).origin + endpoint.requestUri);
}

function httpUrl(text: string): string | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The typed error of a rejected evaluation (400) from its `{errorCode, errorDetails}` body: a
 * `RequestError` whose `errorCode` is the body's (`TARGETING_KEY_MISSING`, `INVALID_CONTEXT`,
 * `PARSE_ERROR`, `GENERAL`) and whose message names it and the server's details (shortened), never a
 * header or the query string. (5xx never reach here: `httpJson` maps them to `ServerError`.)
 */
export function failureError(status: number, body: unknown, where: string): RequestError {
  const code = wireErrorCode(body);
  const details = isRecord(body) && typeof body.errorDetails === 'string' ? body.errorDetails.slice(0, 200) : undefined;
  const said = [code, details].filter((part) => part !== undefined).join(': ');
  return new RequestError(status, `${where}: ${said === '' ? 'request rejected' : said} (HTTP ${status})`, code);
}

/** What a `refetchEvaluation` event carries: the flag configuration's version, when the server said. */
export interface RefetchHint {
  etag?: string;
  lastModified?: number | string;
}

/** A parsed stream event: a refetch, another type (ignored), or data that is not a JSON event. */
export type StreamEvent = { type: 'refetchEvaluation'; hint: RefetchHint } | { type: 'other'; name: string } | { type: 'unparsable' };

/** Parses an event's `data` (its SSE event name does not matter: routing is on `data.type`). */
export function parseStreamEvent(data: string): StreamEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return { type: 'unparsable' };
  }
  if (!isRecord(parsed) || typeof parsed.type !== 'string') return { type: 'unparsable' };
  if (parsed.type !== 'refetchEvaluation') return { type: 'other', name: parsed.type };
  return { type: 'refetchEvaluation', hint: refetchHint(parsed) };
}

/** `etag` and `lastModified` from an event (or a load's hint), when they have usable types. */
export function refetchHint(raw: unknown): RefetchHint {
  const hint: RefetchHint = {};
  if (!isRecord(raw)) return hint;
  if (typeof raw.etag === 'string' && raw.etag !== '') hint.etag = raw.etag;
  if ((typeof raw.lastModified === 'number' && Number.isFinite(raw.lastModified)) || (typeof raw.lastModified === 'string' && raw.lastModified !== '')) {
    hint.lastModified = raw.lastModified;
  }
  return hint;
}
