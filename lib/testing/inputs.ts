import { frozenJson, sealResult } from '../client/state/json-values.js';
import { valueResult } from '../client/state/results.js';
import type { EvalResult, JsonValue, ValueSource } from '../types.js';

/** A flag as a test gives it: a plain value (`true`, `'x'`, `{ cols: 3 }`) or a full `EvalResult`. */
export type FlagInput = JsonValue | EvalResult;

/** How plain values are turned into results. */
export interface ResultStamp {
  reason: string;
  source: ValueSource;
  /** ISO evaluation time. */
  evaluatedAt: string;
}

/** Whether `input` has the shape of an `EvalResult` (rather than being a plain JSON value). */
export function isEvalResult(input: unknown): input is EvalResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return false;
  const candidate = input as Partial<EvalResult>;
  return (
    typeof candidate.key === 'string' &&
    typeof candidate.enabled === 'boolean' &&
    typeof candidate.variant === 'string' &&
    typeof candidate.reason === 'string' &&
    Object.prototype.hasOwnProperty.call(candidate, 'value')
  );
}

/**
 * The result for `key`, frozen (values copied, so a test changing its object later changes nothing):
 * a given `EvalResult` is kept as is (its `key` forced to `key`, its time and source filled in when
 * missing); a plain value becomes an enabled result with `stamp`'s reason (a value that is not JSON:
 * no value).
 */
export function toResult(key: string, input: FlagInput, stamp: ResultStamp): EvalResult {
  if (isEvalResult(input)) {
    return sealResult({ ...input, key, evaluatedAt: input.evaluatedAt ?? stamp.evaluatedAt, source: input.source ?? stamp.source });
  }
  const value = frozenJson(input);
  const result = valueResult(key, value ?? null, stamp.source, stamp.evaluatedAt);
  if (value === undefined) Object.assign(result, { variant: '', value: undefined });
  return sealResult({ ...result, reason: stamp.reason });
}

/** A frozen copy of a flag input, so the test's object can change later without changing the flag. */
export function frozenInput(input: FlagInput): FlagInput {
  if (isEvalResult(input)) return sealResult(input);
  return frozenJson(input) ?? input;
}
