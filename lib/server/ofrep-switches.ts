/** Test switches of the OFREP routes (protocol doc §12), settable at start and at runtime. */
import { ConfigError } from '../errors.js';
import type { OfrepErrorCode } from './ofrep-evaluation.js';
import { rfc3339Seconds } from './time.js';

/** A `Retry-After` value: delta seconds, or a date sent as IMF-fixdate or ISO 8601 (`2024-02-07T12:00:00Z`). */
export type RetryAfter = number | { date: Date; form: 'imf-fixdate' | 'iso' };

/** Behaviour switches for client specs; every one is off by default. */
export interface OfrepSwitches {
  /** Answer a missing or empty `targetingKey` with 400 `TARGETING_KEY_MISSING` instead of evaluating anonymously. */
  requireTargetingKey?: boolean;
  /** Serve a disabled flag's default variant and value (reason `DISABLED`) instead of the code default. */
  disabledServesDefault?: boolean;
  /** While set, every evaluation request (after authentication) gets 429 with this `Retry-After`. */
  retryAfter?: RetryAfter;
  /** Delay every evaluation response by this many ms. */
  delayMs?: number;
  /** Flags that fail to evaluate with this code: a failure item in bulk, a 400 on the single route. */
  failingFlags?: Readonly<Record<string, OfrepErrorCode>>;
  /** Answer bulk requests triggered by an event (carrying `flagConfigEtag`) with this 5xx status. */
  refetchFailureStatus?: number;
}

/** The event metadata a bulk request carried, as received (protocol doc §9.3). */
export interface OfrepRefetch {
  /** The `flagConfigEtag` the request carried. */
  flagConfigEtag: string;
  /** Absent when the request did not carry it. */
  flagConfigLastModified?: string;
}

/** The wire text of a `Retry-After` value. */
export function retryAfterText(value: RetryAfter): string {
  if (typeof value === 'number') return String(value);
  return value.form === 'iso' ? rfc3339Seconds(value.date) : value.date.toUTCString();
}

/** Throw `ConfigError` (field `ofrep.<name>`) for a switch value out of range. */
export function checkOfrepSwitches(switches: OfrepSwitches): void {
  const { delayMs, refetchFailureStatus, retryAfter } = switches;
  if (delayMs !== undefined && !(Number.isInteger(delayMs) && delayMs >= 0)) {
    throw new ConfigError('ofrep.delayMs', `must be an integer ≥ 0, got ${delayMs}`);
  }
  if (refetchFailureStatus !== undefined && !(Number.isInteger(refetchFailureStatus) && refetchFailureStatus >= 500 && refetchFailureStatus <= 599)) {
    throw new ConfigError('ofrep.refetchFailureStatus', `must be a 5xx status, got ${refetchFailureStatus}`);
  }
  if (typeof retryAfter === 'number' && !(Number.isInteger(retryAfter) && retryAfter >= 0)) {
    throw new ConfigError('ofrep.retryAfter', `must be whole seconds ≥ 0, got ${retryAfter}`);
  }
}
