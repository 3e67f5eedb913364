import { ConfigError } from '../errors.js';

/** Longest delay a timer can wait (2^31 − 1 ms); longer ones fire at once. Also the bound of every number option. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The one rule of every number option: `fallback` when `source[field]` is absent, else a number
 * from `min` to the longest timer delay (2^31 − 1 ms); `off` also accepts 0. `field` is prefixed with
 * `group` in the error (`circuitBreaker.openMs`).
 */
export function numberOption<T extends object>(source: T, field: keyof T & string, fallback: number, min = 0, off = false, group?: string): number {
  const value: unknown = source[field] ?? fallback;
  if (typeof value === 'number' && ((off && value === 0) || (value >= min && value <= MAX_TIMER_MS))) return value;
  throw new ConfigError(group ? `${group}.${field}` : field, `must be ${off ? '0 (off) or ' : ''}a number from ${min} to ${MAX_TIMER_MS}, got ${String(value)}`);
}

/**
 * An object option of numbers (`backoff`, `circuitBreaker`, `tracking`): `defaults` completed with
 * `option`'s fields, each from `min` ({@link numberOption}), or 0 (off) for the fields in `off`;
 * anything else of `defaults` is kept as is.
 */
export function numberGroup<T extends object>(group: string, option: Partial<T> | undefined, defaults: T, min: number, off: readonly string[] = []): T {
  if (option !== undefined && !isObject(option)) throw new ConfigError(group, 'must be an object');
  const resolved = { ...defaults, ...option };
  for (const field of Object.keys(defaults) as (keyof T & string)[]) {
    if (typeof defaults[field] === 'number') (resolved[field] as number) = numberOption(resolved, field, defaults[field], min, off.includes(field), group);
  }
  return resolved;
}

/** Whether `value` is a non-null object. */
export const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;
