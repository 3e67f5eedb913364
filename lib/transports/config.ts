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
 * JavaScript): a `ConfigError` naming the key and, when one is close, the option it was meant to be.
 */
export function checkKeys(options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = known.find((name) => distance(key.toLowerCase(), name.toLowerCase()) <= Math.max(1, name.length / 4));
    throw new ConfigError(key, `is not an option${near ? `; did you mean ${near}?` : ` (options: ${known.join(', ')})`}`);
  }
}

/** Levenshtein distance of `a` and `b`. */
function distance(a: string, b: string): number {
  let row = [...Array(b.length + 1).keys()];
  for (let i = 0; i < a.length; i++) {
    const next = [i + 1];
    for (let j = 0; j < b.length; j++) next.push(Math.min(row[j + 1]! + 1, next[j]! + 1, row[j]! + (a[i] === b[j] ? 0 : 1)));
    row = next;
  }
  return row[b.length]!;
}
