import { ConfigError } from '../errors.js';

/** A non-empty string option, or a `ConfigError` naming it. */
export function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new ConfigError(field, 'is required (a non-empty string)');
  return value;
}

/** An absolute http(s) URL option without credentials or a trailing slash, or a `ConfigError` naming it. */
export function requireHttpUrl(value: unknown, field: string): string {
  const text = requireString(value, field);
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    // Not an absolute URL: the check below rejects it.
  }
  if (!/^https?:$/.test(url?.protocol ?? '')) throw new ConfigError(field, 'must be an http(s) URL');
  if (url!.username || url!.password) throw new ConfigError(field, 'must not contain credentials');
  return text.replace(/\/+$/, '');
}

/**
 * Rejects an option key not in `known` (a typo such as `contxt` would otherwise be ignored in
 * JavaScript): a `ConfigError` naming the key and the option it was meant to be (the one whose
 * first four letters are the key's, in any case, other characters skipped), or else every option.
 */
export function checkKeys(options: object, known: readonly string[]): void {
  const stem = (key: string): string => key.replace(/[^a-z]/gi, '').slice(0, 4).toLowerCase();
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = known.find((name) => stem(name) === stem(key));
    throw new ConfigError(key, `is not an option${near ? `; did you mean ${near}?` : ` (options: ${known.join(', ')})`}`);
  }
}
