import {
  ErrorCode,
  instantiateErrorByErrorCode,
  type OpenFeatureError,
  type FlagMetadata,
  type FlagValueType,
  type ResolutionDetails,
} from '@openfeature/core';
import { ConfigError, FlagstreamError, isTerminal, messageOf } from '../errors.js';
import { standardReason } from './reasons.js';
import { isFlagNotFound } from '../client/state/results.js';
import type { ClientStatus, EvalResult, JsonValue } from '../types.js';

/** Success details per result: results are frozen and shared by snapshots, so this is a pure cache. */
const successes = new WeakMap<EvalResult, ResolutionDetails<JsonValue>>();

/**
 * OpenFeature details for one flag read as `type`. `reason` is the standard reason of the result's
 * (see {@link standardReason}), or `STALE` while `stale` (the client's values may be out of date);
 * `flagMetadata` holds the primitive `details` entries and the transport's own word as `serverReason`.
 * A disabled flag gives the caller's default with `DISABLED` and no variant, on every transport (with
 * `STALE` when the client holds its last good result while its new entry is rejected). A
 * code-default entry (no value) gives the caller's default with the server's variant. A missing key
 * gives `FLAG_NOT_FOUND`, a value of another type `TYPE_MISMATCH`, an error entry its code (unknown
 * codes → `GENERAL`), all with the caller's default.
 */
export function toDetails<T>(result: EvalResult | undefined, key: string, defaultValue: T, type: FlagValueType, stale = false): ResolutionDetails<T> {
  if (isFlagNotFound(result)) {
    return failure(defaultValue, ErrorCode.FLAG_NOT_FOUND, `flag not found: ${key}`);
  }
  const details = resolved(result, key, defaultValue, type);
  return stale && details.reason !== 'ERROR' ? { ...details, reason: 'STALE' } : details;
}

/** {@link toDetails} before staleness; a success with a value of the read type is cached per result. */
function resolved<T>(result: EvalResult, key: string, defaultValue: T, type: FlagValueType): ResolutionDetails<T> {
  const cached = successes.get(result);
  if (cached && matches(cached.value, type)) return cached as ResolutionDetails<T>;
  const flagMetadata = metadataOf(result);
  const reason = standardReason(result.reason);
  if (result.errorCode !== undefined || reason === 'ERROR') {
    // The server's own explanation (an OFREP failure item's `errorDetails`) follows its code.
    const said = [result.errorCode ?? result.reason, flagMetadata.errorDetails].filter((part) => typeof part === 'string').join(': ');
    return failure(defaultValue, openFeatureCode(result.errorCode), `flag ${key} failed to evaluate: ${said}`, flagMetadata);
  }
  // A held result (`stale`) of a switched-off flag still answers as one: the caller's default.
  if (reason === 'DISABLED' || (reason === 'STALE' && !result.enabled)) return { value: defaultValue, reason, flagMetadata };
  const { value, variant } = result;
  if (value !== undefined && !matches(value, type)) {
    return failure(defaultValue, ErrorCode.TYPE_MISMATCH, `flag ${key} holds ${kindOf(value)}, not ${type}`, flagMetadata);
  }
  // A code-default entry (no value) answers with the caller's default, and is not cached (null never gets here: it matches no type).
  const details: ResolutionDetails<unknown> = { value: value ?? defaultValue, reason, flagMetadata };
  if (variant !== '') details.variant = variant;
  if (value !== undefined) successes.set(result, details as ResolutionDetails<JsonValue>);
  return details as ResolutionDetails<T>;
}

/**
 * Why the client cannot answer now, as OpenFeature details, or `undefined` when it can: an
 * `AuthError` is `PROVIDER_FATAL`; a closed client, or no flags loaded yet for its own context
 * (`own`; another context's answer comes from its own request), is `PROVIDER_NOT_READY`.
 */
export function unavailable<T>(status: ClientStatus, defaultValue: T, own = true): ResolutionDetails<T> | undefined {
  if (isTerminal(status.error)) return failure(defaultValue, ErrorCode.PROVIDER_FATAL, status.error!.message);
  const why = status.state === 'closed' ? 'the flag client is closed' : own && status.source === 'none' && 'no flags loaded yet';
  return why ? failure(defaultValue, ErrorCode.PROVIDER_NOT_READY, why) : undefined;
}

/** An error outcome with the caller's default and the error's code ({@link errorCodeOf}). */
export function errorDetails<T>(error: unknown, defaultValue: T): ResolutionDetails<T> {
  return failure(defaultValue, errorCodeOf(error), messageOf(error));
}

/**
 * The OpenFeature error code of a failed call: `PROVIDER_FATAL` for an `AuthError`, `INVALID_CONTEXT`
 * for a `ConfigError` of the context (an attribute that is not JSON data), else the wire code it carries
 * (`errorCode`: an OFREP 400's `TARGETING_KEY_MISSING`, …) when OpenFeature has it, else `GENERAL`.
 */
export function errorCodeOf(error: unknown): ErrorCode {
  if (isTerminal(error)) return ErrorCode.PROVIDER_FATAL;
  if (error instanceof ConfigError && error.field.startsWith('context')) return ErrorCode.INVALID_CONTEXT;
  return openFeatureCode(error instanceof FlagstreamError ? error.errorCode : undefined);
}

/** The OpenFeature error for a failed call, of the code {@link errorCodeOf} gives, with the failure as its `cause`. */
export function openFeatureError(error: unknown): OpenFeatureError {
  return Object.assign(instantiateErrorByErrorCode(errorCodeOf(error), messageOf(error)), { cause: error });
}

/** The OpenFeature error code for a wire code: the same code when OpenFeature has it, else `GENERAL`. */
function openFeatureCode(code: string | undefined): ErrorCode {
  // Each of OpenFeature's codes is its own key in ErrorCode.
  return Object.hasOwn(ErrorCode, code!) ? (code as ErrorCode) : ErrorCode.GENERAL;
}

/** The primitive `details` entries (OpenFeature flag metadata holds strings, numbers and booleans) and `serverReason`. */
function metadataOf(result: EvalResult): FlagMetadata {
  const metadata: Record<string, string | number | boolean> = {};
  const details = result.details ?? {};
  for (const name of Object.keys(details)) {
    const value = details[name];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') metadata[name] = value;
  }
  metadata.serverReason = result.reason;
  return metadata;
}

/** An error outcome: the caller's default, `ERROR`, the code and message, and the flag's metadata when it has some (the SDK reads none as `{}`). */
function failure<T>(value: T, errorCode: ErrorCode, errorMessage: string, flagMetadata?: FlagMetadata): ResolutionDetails<T> {
  return { value, reason: 'ERROR', errorCode, errorMessage, flagMetadata };
}

function matches(value: unknown, type: FlagValueType): boolean {
  return type === 'object' ? typeof value === 'object' && value !== null : typeof value === type;
}

function kindOf(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
