import { FlagstreamError } from '../errors.js';

/** What replaces a secret. */
const REDACTED = '[redacted]';
/** How deep into causes and nested properties redaction goes; anything deeper is dropped. */
const MAX_DEPTH = 8;

/** A URL with a scheme: its query and fragment are replaced, its user info dropped. */
const URL_WITH_QUERY = /\b([a-z][a-z0-9+.-]*:\/\/)(?:[^\s/?#@]*@)?([^\s?#]*)(?:[?#][^\s]*)?/gi;
/** A credential-looking query parameter outside a full URL (`…?token=…`, `&api_key=…`). */
const CREDENTIAL_PARAM = /([?&;](?:token|channel|api[_-]?key|apikey|access_token|auth|key|secret|signature|sig)=)[^\s&#"']*/gi;
/** A bearer or basic credential (an `Authorization` value). */
const AUTH_SCHEME = /\b(Bearer|Basic) +[A-Za-z0-9._~+/=-]{8,}/g;

/**
 * Makes an error safe to hand out: every occurrence of `secrets` (a key, a URL carrying a token, …),
 * every URL's query and fragment, credential-looking query parameters and `Bearer` credentials are
 * replaced, in the message, the stack, the whole `cause` chain and every own property (nested
 * errors, arrays and plain objects included). flagstream's own errors are cleaned in place; an
 * error from below (a `fetch` implementation's, whose message and fields may show the request URL)
 * is replaced by a cleaned copy with the same prototype, name, message and fields. Returns the error
 * to hand out instead of `error`; anything that is not an object is returned as it is.
 */
export function redact(error: unknown, secrets: readonly string[] = []): unknown {
  const clean = (text: string): string => {
    let out = text;
    for (const secret of secrets) if (secret !== '' && out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out
      .replace(URL_WITH_QUERY, (match: string, scheme: string, rest: string) => `${scheme}${rest}${/[?#]/.test(match) ? `?${REDACTED}` : ''}`)
      .replace(CREDENTIAL_PARAM, `$1${REDACTED}`)
      .replace(AUTH_SCHEME, `$1 ${REDACTED}`);
  };
  const seen = new Map<object, unknown>();

  const value = (input: unknown, depth: number): unknown => {
    if (typeof input === 'string') return clean(input);
    if (typeof input !== 'object' || input === null) return input;
    if (seen.has(input)) return seen.get(input);
    if (depth > MAX_DEPTH) return undefined;
    if (input instanceof Error) return errorValue(input, depth);
    if (Array.isArray(input)) {
      const copy: unknown[] = [];
      seen.set(input, copy);
      for (const item of input) copy.push(value(item, depth + 1));
      return copy;
    }
    const prototype = Object.getPrototypeOf(input) as unknown;
    // Plain data is copied; other objects (sockets, buffers, responses) are not ours to show.
    if (prototype !== Object.prototype && prototype !== null) return undefined;
    const copy: Record<string, unknown> = {};
    seen.set(input, copy);
    for (const key of Object.keys(input)) copy[key] = value((input as Record<string, unknown>)[key], depth + 1);
    return copy;
  };

  const errorValue = (input: Error, depth: number): Error => {
    const own = input instanceof FlagstreamError;
    const target: Error = own ? input : (Object.create(Object.getPrototypeOf(input) as object) as Error);
    seen.set(input, target);
    const set = (key: PropertyKey, next: unknown, enumerable: boolean): void => {
      Object.defineProperty(target, key, { value: next, writable: true, configurable: true, enumerable });
    };
    set('message', clean(String(readSafely(input, 'message') ?? '')), Object.prototype.propertyIsEnumerable.call(input, 'message'));
    const stack = readSafely(input, 'stack');
    if (typeof stack === 'string') set('stack', clean(stack), false);
    // Own on a copy: a prototype getter (DOMException's) would throw on an object without its internals.
    if (!own) set('name', String(readSafely(input, 'name') ?? 'Error'), Object.prototype.propertyIsEnumerable.call(input, 'name'));
    const cause = readSafely(input, 'cause');
    if (cause !== undefined) set('cause', value(cause, depth + 1), false);
    const errors = readSafely(input, 'errors');
    if (Array.isArray(errors)) set('errors', value(errors, depth + 1), false);
    for (const key of Object.keys(input)) {
      if (key === 'message' || key === 'stack' || key === 'cause' || key === 'errors') continue;
      set(key, value(readSafely(input, key), depth + 1), true);
    }
    return target;
  };

  return value(error, 0);
}

/** Reads a property that a foreign object may guard with a throwing getter. */
function readSafely(target: object, key: string): unknown {
  try {
    return (target as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}
