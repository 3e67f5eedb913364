import { ConfigError } from '../errors.js';
import { isRecord } from '../transports/values.js';
import type { EvalContext } from '../types.js';
import { isObject } from './number-options.js';
import { isPlainObject } from './state/json-values.js';

/**
 * A copy of `context` (an `EvalContext`; `undefined` passes) that later changes to the caller's objects
 * cannot reach, nor changes to the copy theirs: the context, its attributes, dates (of any realm), and
 * the objects and arrays in them are copied (to a depth of 32), each object as JSON takes it: one with
 * `toJSON()` (a date-time library's value) becomes what that returns, any other (a data class, a DTO)
 * its own fields, so the wire, the context's key (its scope) and a later read agree whatever the app
 * does with it afterwards. A collection without `toJSON()` (a `Map`, a `Set`: JSON would send `{}`)
 * is a `ConfigError` naming the attribute (its `path`). The rule of the `context` option, and of
 * `identify`, `evaluateFor`, `snapshotFor`'s: a context that is not an object, a `userId` that is not
 * a string, `attributes` that are not an object are `ConfigError`s too. `depth` and `path` are the
 * walk's own.
 */
export function ownContext<T>(context: T, depth = 0, path = 'context'): T {
  if (depth) {
    if (Object.prototype.toString.call(context) === '[object Date]') return new Date(+(context as Date)) as T;
  } else if (context !== undefined) {
    if (!isObject(context)) throw new ConfigError(path, 'must be an object');
    const { userId, attributes } = context as EvalContext;
    if (userId !== undefined && typeof userId !== 'string') throw new ConfigError('context.userId', 'must be a string');
    if (attributes !== undefined && !isRecord(attributes)) throw new ConfigError('context.attributes', 'must be an object');
  }
  if (depth > 32 || !isObject(context)) return context;
  const copy = (item: unknown, name: string | number): unknown => ownContext(item, depth + 1, `${path}.${name}`);
  if (Array.isArray(context)) return context.map(copy) as T;
  if (depth > 1 && !isPlainObject(context)) {
    const { toJSON } = context as { toJSON?: unknown };
    if (typeof toJSON === 'function') return ownContext(toJSON.call(context), depth + 1, path);
    if (Symbol.iterator in context) throw new ConfigError(path, 'must be JSON data, a Date, or have toJSON()');
  }
  return Object.fromEntries(Object.entries(context).map(([name, item]) => [name, copy(item, name)])) as T;
}
