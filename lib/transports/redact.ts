import { FlagstreamError } from '../errors.js';

/** What replaces a secret. */
const REDACTED = '[redacted]';

/**
 * Every credential a text can carry, as one pattern of three kinds, each its own group:
 * 1. a URL with a scheme (its user info dropped, its query and fragment replaced);
 * 2. a credential-looking query parameter outside a full URL: one whose name has `token`, `key`,
 *    `secret`, `sig`, `auth` or `channel` in it (`…?token=…`, `&api_key=…`, `&client_secret=…`);
 * 3. a bearer or basic credential (an `Authorization` value).
 */
const CREDENTIAL =
  /\b([a-z][\w+.-]*:\/\/)(?:[^\s/?#@]*@)?([^\s?#]*)([?#]\S*)?|([?&;][\w.-]*(?:token|key|secret|sig|auth|channel)[\w.-]*=)[^\s&#"']*|\b(bearer|basic) +[\w.~+/=-]{8,}/gi;

/**
 * Makes an error safe to hand out: every occurrence of `secrets` (a key, a URL carrying a token, …),
 * every URL's query and fragment, credential-looking query parameters and `Bearer` credentials are
 * replaced, in the message, the stack, the whole `cause` chain and every own property (nested
 * errors, arrays and plain objects included, 8 levels deep; anything deeper is dropped). flagstream's
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
        .replace(CREDENTIAL, (_match, scheme?: string, rest?: string, query?: string, param?: string, auth?: string) =>
          scheme ? scheme + rest + (query ? `?${REDACTED}` : '') : `${param ?? `${auth} `}${REDACTED}`,
        );
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
    const keys = Object.keys(input);
    for (const key of new Set([...(isError ? ['message', 'stack', 'cause', 'errors', ...(own ? [] : ['name'])] : []), ...keys])) {
      let next: unknown;
      try {
        next = (input as Record<string, unknown>)[key];
      } catch {
        // A foreign object's throwing getter: the property is left out.
      }
      if (next !== undefined) Object.defineProperty(target, key, { value: value(next, depth + 1), writable: true, configurable: true, enumerable: keys.includes(key) });
    }
    return target;
  };
  return value(error, 0);
}
