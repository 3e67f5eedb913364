import { FlagstreamError } from '../errors.js';

/** What replaces a secret. */
const REDACTED = '[redacted]';

/**
 * A URL with a scheme (of at most 31 characters, so that a long `a-b-c…` takes linear time): its
 * user info is dropped, its query and fragment replaced. Its path runs to the next space, so it is
 * applied after `CREDENTIAL`, which sees the whole text.
 */
const URL_PARTS = /\b([a-z][\w+.-]{0,30}:\/\/)(?:[^\s/?#@]*@)?([^\s?#]*)([?#]\S*)?/gi;

/**
 * A credential anywhere in a text, kept part first, secret second:
 * - a `bearer` or `basic` credential, in any case, after any white space;
 * - the value of a parameter, header or JSON field whose name has `token`, `key`, `secret`, `sig`,
 *   `auth` or `channel` in it (`?token=…`, `#access_token=…`, `api-key=…`, `x-api-key: …`,
 *   `"apiKey":"…"`); after an `auth…` name, after a scheme word if a credential follows it
 *   (`Authorization: Token …`), so that elsewhere a key of letters followed by a word is not taken
 *   for a scheme.
 */
const CREDENTIAL =
  /(\b(?:bearer|basic)\s+"?|auth[\w.-]{0,40}(?:=|"?\s*:\s*"?)[a-z]+\s+(?=[^\s"]{8})|(?:token|key|secret|sig|auth|channel)[\w.-]{0,40}(?:=|"?\s*:\s*"?))([^\s&#"'<>,[\]{}]+)/gi;

/**
 * A single word of prose (`basic misconfiguration`, `key: expected …`), which no credential is; a
 * longer run of letters may be a key.
 */
const WORD = /^\W*[A-Z]?[a-z]{1,20}\W*$/;

/**
 * Makes an error safe to hand out: every occurrence of `secrets` (a key, a URL carrying a token, …),
 * every URL's query and fragment and every credential `CREDENTIAL` finds are replaced, in the
 * message, the stack, the whole `cause` chain and every own property (nested errors, arrays and
 * plain objects included, 8 levels deep; anything deeper is dropped). flagstream's
 * own errors are cleaned in place; an error from below (a `fetch` implementation's, whose message and
 * fields may show the request URL) is replaced by a cleaned copy with the same prototype, name,
 * message and fields. Returns the error to hand out instead of `error`; anything that is not an
 * object is returned as it is.
 */
export function redact(error: unknown, secrets: readonly string[] = []): unknown {
  const seen = new Map<object, unknown>();
  const value = (input: unknown, depth: number): unknown => {
    if (typeof input === 'string') {
      return secrets
        .reduce((out, secret) => (secret ? out.split(secret).join(REDACTED) : out), input)
        // A word after a name and a space or colon is prose; after `=` or a quote it is a value.
        .replace(CREDENTIAL, (match, kept: string, secret: string) => (WORD.test(secret) && !/[="]/.test(kept) ? match : kept + REDACTED))
        .replace(URL_PARTS, (_match, scheme: string, rest: string, query?: string) => scheme + rest + (query ? `?${REDACTED}` : ''));
    }
    if (typeof input !== 'object' || input === null || seen.has(input)) return seen.get(input as object) ?? input;
    const prototype = Object.getPrototypeOf(input) as object | null;
    const isError = input instanceof Error;
    const isArray = Array.isArray(input);
    // Errors and plain data are copied; other objects (sockets, buffers, responses) are not ours to show.
    if (depth > 8 || !(isError || isArray || prototype === Object.prototype || !prototype)) return undefined;
    const own = input instanceof FlagstreamError;
    const target: object = own ? input : isArray ? [] : Object.create(prototype);
    seen.set(input, target);
    // An error's own name is kept on a copy: a prototype getter (DOMException's) would throw on an object without its internals.
    const keys = new Set(Object.keys(input));
    for (const key of new Set([...(isError ? ['message', 'stack', 'cause', 'errors', ...(own ? [] : ['name'])] : []), ...keys])) {
      let next: unknown;
      try {
        next = (input as Record<string, unknown>)[key];
      } catch {
        // A foreign object's throwing getter: the property is left out.
      }
      if (next !== undefined) Object.defineProperty(target, key, { value: value(next, depth + 1), writable: true, configurable: true, enumerable: keys.has(key) });
    }
    return target;
  };
  return value(error, 0);
}
