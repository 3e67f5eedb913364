import type { EvaluationContext, EvaluationContextValue } from '@openfeature/core';
import type { EvalContext } from '../types.js';

/**
 * OpenFeature context → flagstream context: `targetingKey` → `userId`, a string `email` → `email`,
 * every other field → `attributes` (dates as ISO strings, since every wire carries JSON).
 */
export function toEvalContext(context: EvaluationContext): EvalContext {
  const result: EvalContext = {};
  const attributes: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(context)) {
    if (value === undefined) continue;
    if (name === 'targetingKey' && typeof value === 'string') result.userId = value;
    else if (name === 'email' && typeof value === 'string') result.email = value;
    else attributes[name] = attributeValue(value);
  }
  if (Object.keys(attributes).length > 0) result.attributes = attributes;
  return result;
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


function attributeValue(value: EvaluationContextValue): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(attributeValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [name, inner] of Object.entries(value as Record<string, EvaluationContextValue>)) {
      if (inner !== undefined) out[name] = attributeValue(inner);
    }
    return out;
  }
  return value;
}
