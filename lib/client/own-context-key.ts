import type { EvalContext } from '../types.js';
import { contextKey } from './context-key.js';
import { ownContext } from './own-context.js';

/**
 * The key ({@link contextKey}) of the copy {@link ownContext} makes of `context` (`undefined`: the
 * anonymous one): how a context an app gives (`renderedSnapshot`, `withRenderedSnapshot`,
 * `storeScope`) is keyed, so that it matches the client's own copy of the same context (a `toJSON()`
 * value keyed as what it returns). A bad one throws `ownContext`'s `ConfigError`.
 */
export function ownContextKey(context: EvalContext | undefined): string {
  return contextKey(ownContext(context) ?? {});
}
