import { ConfigError } from '../errors.js';
import { isRecord } from '../transports/values.js';
import type { EvalContext } from '../types.js';
import { isObject } from './number-options.js';

/**
 * A copy of `context` (an `EvalContext`; `undefined` passes) that later changes to the caller's objects
 * cannot reach, nor changes to the copy theirs: the context, its attributes, dates (of any realm), and
 * the objects and arrays in them are copied (to a depth of 32), each value as JSON takes it: one with
 * `toJSON()` (a date-time library's value, a plain object too) becomes what that returns, any other
 * object (a data class, a DTO) its own fields, so the wire, the context's key (its scope) and a later
 * read agree whatever the app does with it afterwards. A collection without `toJSON()` (a `Map`, a
 * `Set`: JSON would send `{}`), attributes included, is a `ConfigError` naming it (its `path`). The rule of the `context` option, and of
 * `identify`, `evaluateFor`, `snapshotFor`'s: a context that is not an object, a `userId` that is not
 * a string, `attributes` that are not an object are `ConfigError`s too. `depth` and `path` are the
 * walk's own.
 */
export function ownContext<T>(context: T, depth = 0, path = 'context'): T {
  let value: unknown = context;
  if (depth) {
    if (Object.prototype.toString.call(value) === '[object Date]') return new Date(+(value as Date)) as T;
    // As JSON takes an attribute value: what its toJSON() returns, asked once (that answer's own toJSON() is not).
    const toJSON = depth > 1 && isObject(value) ? (value as { toJSON?: unknown }).toJSON : undefined;
    if (typeof toJSON === 'function') value = toJSON.call(value);
  } else if (value !== undefined) {
    if (!isObject(value)) throw new ConfigError(path, 'must be an object');
    const { userId, attributes } = value as EvalContext;
    if (userId !== undefined && typeof userId !== 'string') throw new ConfigError('context.userId', 'must be a string');
    if (attributes !== undefined && !isRecord(attributes)) throw new ConfigError('context.attributes', 'must be an object');
  }
  if (depth > 32 || !isObject(value)) return value as T;
  if (!Array.isArray(value) && Symbol.iterator in value) throw new ConfigError(path, 'must be JSON data, a Date, or have toJSON()');
  const copy = (item: unknown, name: string | number): unknown => ownContext(item, depth + 1, `${path}.${name}`);
  if (Array.isArray(value)) return value.map(copy) as T;
  return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, copy(item, name)])) as T;
}
