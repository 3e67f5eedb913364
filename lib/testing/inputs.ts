import { frozenJson, sealResult } from '../client/state/json-values.js';
import { variantOf } from '../client/state/results.js';
import type { EvalResult, JsonValue, ValueSource } from '../types.js';

/** A flag as a test gives it: a plain value (`true`, `'x'`, `{ cols: 3 }`) or a full `EvalResult`. */
export type FlagInput = JsonValue | EvalResult;

/** Whether `input` has the shape of an `EvalResult` (rather than being a plain JSON value). */
export function isEvalResult(input: unknown): input is EvalResult {
  const candidate = input as Partial<EvalResult> | null | undefined;
  return (
    typeof candidate?.key === 'string' &&
    typeof candidate.enabled === 'boolean' &&
    typeof candidate.variant === 'string' &&
    typeof candidate.reason === 'string' &&
    Object.hasOwn(candidate, 'value')
  );
}

/**
 * The result for `key`, frozen (values copied, so a test changing its object later changes nothing):
 * a given `EvalResult` is kept as is (its `key` forced to `key`, its time and source filled in when
 * missing); a plain value becomes an enabled result with reason `mock` (a value that is not JSON:
 * no value), whether the mock client or a test source serves it.
 */
export function toResult(key: string, input: FlagInput, source: ValueSource, evaluatedAt: string): EvalResult {
  if (isEvalResult(input)) return sealResult({ ...input, key, evaluatedAt: input.evaluatedAt ?? evaluatedAt, source: input.source ?? source });
  const value = frozenJson(input);
  return sealResult({ key, enabled: true, variant: value === undefined ? '' : variantOf(value), value, reason: 'mock', evaluatedAt, source });
}

/**
 * A frozen copy of a flag input (a value or a result), so the test's object can change later without
 * changing the flag; anything that is not JSON (a test source's per-context function) as it is.
 */
export function frozenInput<T>(input: T): T {
  return (isEvalResult(input) ? sealResult(input) : (frozenJson(input) ?? input)) as T;
}
