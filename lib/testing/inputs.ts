import { valueResults } from '../client/results.js';
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
    'value' in candidate
  );
}

/**
 * The result for `key`: a given `EvalResult` is kept as is (its `key` forced to `key`, its time and
 * source filled in when missing); a plain value becomes an enabled result with `stamp`'s reason.
 */
export function toResult(key: string, input: FlagInput, stamp: ResultStamp): EvalResult {
  if (isEvalResult(input)) {
    return { ...input, key, evaluatedAt: input.evaluatedAt ?? stamp.evaluatedAt, source: input.source ?? stamp.source };
  }
  const [result] = valueResults({ [key]: input }, stamp.source, stamp.evaluatedAt);
  return { ...result!, reason: stamp.reason };
}
