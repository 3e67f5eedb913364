import { FlagstreamError } from '../errors.js';

/** What replaces a secret. */
const REDACTED = '[redacted]';
/** How deep into causes and nested properties redaction goes; anything deeper is dropped. */
const MAX_DEPTH = 8;

/** A URL with a scheme: its query and fragment are replaced, its user info dropped. */
const URL_WITH_QUERY = /\b([a-z][a-z0-9+.-]*:\/\/)(?:[^\s/?#@]*@)?([^\s?#]*)([?#]\S*)?/gi;
/**
 * A credential-looking query parameter outside a full URL: one whose name has `token`, `key`,
 * `secret`, `sig`, `auth` or `channel` in it (`…?token=…`, `&api_key=…`, `&client_secret=…`).
 */
const CREDENTIAL_PARAM = /([?&;][\w.-]*(?:token|key|secret|sig|auth|channel)[\w.-]*=)[^\s&#"']*/gi;
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
  const seen = new Map<object, unknown>();
  const clean = (text: string): string =>
    secrets
      .reduce((out, secret) => (secret ? out.split(secret).join(REDACTED) : out), text)
      .replace(URL_WITH_QUERY, (_match, scheme: string, rest: string, query?: string) => scheme + rest + (query ? `?${REDACTED}` : ''))
      .replace(CREDENTIAL_PARAM, `$1${REDACTED}`)
      .replace(AUTH_SCHEME, `$1 ${REDACTED}`);

  const value = (input: unknown, depth: number): unknown => {
    if (typeof input === 'string') return clean(input);
    if (typeof input !== 'object' || input === null) return input;
    if (seen.has(input)) return seen.get(input);
    const prototype = Object.getPrototypeOf(input) as object | null;
    const isError = input instanceof Error;
    // Errors and plain data are copied; other objects (sockets, buffers, responses) are not ours to show.
    if (depth > MAX_DEPTH || !(isError || Array.isArray(input) || prototype === Object.prototype || prototype === null)) return undefined;
    const own = input instanceof FlagstreamError;
    const target: object = own ? input : Array.isArray(input) ? [] : Object.create(prototype);
    seen.set(input, target);
    // An error's own name is kept on a copy: a prototype getter (DOMException's) would throw on an object without its internals.
    const keys = new Set(isError ? ['message', 'stack', 'cause', 'errors', ...(own ? [] : ['name'])] : []);
    for (const key of Object.keys(input)) keys.add(key);
    for (const key of keys) {
      const next = readSafely(input, key);
      const enumerable = Object.prototype.propertyIsEnumerable.call(input, key);
      if (next !== undefined) Object.defineProperty(target, key, { value: value(next, depth + 1), writable: true, configurable: true, enumerable });
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
