import {
  ErrorCode,
  StandardResolutionReasons,
  type FlagMetadata,
  type FlagValueType,
  type ResolutionDetails,
} from '@openfeature/core';
import { isTerminal, messageOf } from '../errors.js';
import type { ClientStatus, EvalResult, JsonValue } from '../types.js';

/** Success details per result: results are frozen and shared by snapshots, so this is a pure cache. */
const successes = new WeakMap<EvalResult, ResolutionDetails<JsonValue>>();
const knownCodes = new Set<string>(Object.values(ErrorCode));

/**
 * OpenFeature details for one flag read as `type`: `value`, `variant`, the server's `reason` and
 * `flagMetadata` from the result's `details`. A missing key gives `FLAG_NOT_FOUND`, a value of another
 * type `TYPE_MISMATCH`, an error entry its code (unknown codes → `GENERAL`), all with the caller's
 * default. A code-default entry (no value) gives the caller's default with the server's reason and variant.
 */
export function toDetails<T>(result: EvalResult | undefined, key: string, defaultValue: T, type: FlagValueType): ResolutionDetails<T> {
  if (!result || result.errorCode === ErrorCode.FLAG_NOT_FOUND) {
    return failure(defaultValue, ErrorCode.FLAG_NOT_FOUND, `flag not found: ${key}`);
  }
  const cached = successes.get(result);
  if (cached && matches(cached.value, type)) return cached as ResolutionDetails<T>;
  const flagMetadata = metadataOf(result.details);
  if (result.errorCode !== undefined) {
    const code = knownCodes.has(result.errorCode) ? (result.errorCode as ErrorCode) : ErrorCode.GENERAL;
    return failure(defaultValue, code, `flag ${key} failed to evaluate: ${result.errorCode}`, flagMetadata);
  }
  if (result.value === undefined) {
    return withVariant({ value: defaultValue, reason: result.reason, flagMetadata }, result.variant);
  }
  if (!matches(result.value, type)) {
    return failure(defaultValue, ErrorCode.TYPE_MISMATCH, `flag ${key} holds ${kindOf(result.value)}, not ${type}`, flagMetadata);
  }
  const details = withVariant({ value: result.value, reason: result.reason, flagMetadata }, result.variant);
  successes.set(result, details);
  return details as ResolutionDetails<T>;
}

/**
 * Why the client cannot answer now, as OpenFeature details, or `undefined` when it can: an
 * `AuthError` is `PROVIDER_FATAL`; no flags loaded yet (or a closed client) is `PROVIDER_NOT_READY`.
 */
export function unavailable<T>(status: ClientStatus, defaultValue: T): ResolutionDetails<T> | undefined {
  const { error } = status;
  if (error !== undefined && isTerminal(error)) return failure(defaultValue, ErrorCode.PROVIDER_FATAL, error.message);
  if (status.state === 'closed') return failure(defaultValue, ErrorCode.PROVIDER_NOT_READY, 'the flag client is closed');
  if (status.source === 'none') return failure(defaultValue, ErrorCode.PROVIDER_NOT_READY, 'no flags loaded yet');
  return undefined;
}

/** An error outcome with the caller's default: `PROVIDER_FATAL` for an `AuthError`, else `GENERAL`. */
export function errorDetails<T>(error: unknown, defaultValue: T): ResolutionDetails<T> {
  const message = messageOf(error);
  return failure(defaultValue, isTerminal(error) ? ErrorCode.PROVIDER_FATAL : ErrorCode.GENERAL, message);
}

/** Only primitive `details` entries: OpenFeature flag metadata holds strings, numbers and booleans. */
function metadataOf(details: Record<string, JsonValue> | undefined): FlagMetadata | undefined {
  if (!details) return undefined;
  let metadata: Record<string, string | number | boolean> | undefined;
  for (const name of Object.keys(details)) {
    const value = details[name];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      (metadata ??= {})[name] = value;
    }
  }
  return metadata;
}

function failure<T>(value: T, errorCode: ErrorCode, errorMessage: string, flagMetadata?: FlagMetadata): ResolutionDetails<T> {
  const details: ResolutionDetails<T> = { value, reason: StandardResolutionReasons.ERROR, errorCode, errorMessage };
  if (flagMetadata) details.flagMetadata = flagMetadata;
  return details;
}

function withVariant<T>(details: ResolutionDetails<T>, variant: string): ResolutionDetails<T> {
  if (variant !== '') details.variant = variant;
  if (details.flagMetadata === undefined) delete details.flagMetadata;
  return details;
}

function matches(value: unknown, type: FlagValueType): boolean {
  return type === 'object' ? typeof value === 'object' && value !== null : typeof value === type;
}

function kindOf(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
