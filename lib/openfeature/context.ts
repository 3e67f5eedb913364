import type { EvaluationContext } from '@openfeature/core';
import { ownContext } from '../client/own-context.js';
import type { EvalContext } from '../types.js';

/**
 * OpenFeature context → flagstream context: `targetingKey` → `userId`, a string `email` → `email`,
 * every other field → `attributes`, copied by the client's own rule (`ownContext`): a value with
 * `toJSON()` becomes what that returns, dates are copied, and a value that is neither JSON data nor
 * has `toJSON()` (a `Map`, a `Set`) is a `ConfigError` naming its path
 * (`context.attributes.tags: …`), as `createFlagClient` and `identify` take the same context.
 */
export function toEvalContext(context: EvaluationContext): EvalContext {
  const result: EvalContext = {};
  const attributes: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(context)) {
    if (value === undefined) continue;
    if (name === 'targetingKey' && typeof value === 'string') result.userId = value;
    else if (name === 'email' && typeof value === 'string') result.email = value;
    else attributes[name] = value;
  }
  if (Object.keys(attributes).length > 0) result.attributes = attributes;
  return ownContext(result);
}

/** flagstream context → OpenFeature context: the inverse of {@link toEvalContext}. */
export function toEvaluationContext(context: EvalContext): EvaluationContext {
  const result: EvaluationContext = { ...(context.attributes as EvaluationContext | undefined) };
  if (context.userId !== undefined) result.targetingKey = context.userId;
  if (context.email !== undefined) result.email = context.email;
  return result;
}

/** Whether an OpenFeature context carries nothing (it then means "the client's own context"). */
export function isEmptyContext(context: EvaluationContext | undefined): boolean {
  return !context || Object.values(context).every((value) => value === undefined);
}
