import { ConfigError } from '../errors.js';

/** A non-empty string option, or a `ConfigError` naming it. */
export function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new ConfigError(field, 'is required (a non-empty string)');
  return value;
}

/** An absolute http(s) URL option without a trailing slash, or a `ConfigError` naming it. */
export function requireHttpUrl(value: unknown, field: string): string {
  const text = requireString(value, field);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(field, 'must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(field, 'must be an http(s) URL');
  if (url.username || url.password) throw new ConfigError(field, 'must not contain credentials');
  return text.replace(/\/+$/, '');
}
