/**
 * The OFREP face of an evaluation (protocol doc §12): reasons, typed values and code-default items,
 * and the decoding of `{"context":{…}}` request bodies into the evaluator's input.
 */
import type { JsonValue } from '../types.js';
import { isObject } from './decoded.js';
import type { EvalInput, Evaluation } from './evaluator.js';
import { attributeText } from './identities.js';
import { typedValue } from './rollgate-evaluation.js';

/** The error codes an OFREP server sends. */
export type OfrepErrorCode = 'PARSE_ERROR' | 'TARGETING_KEY_MISSING' | 'INVALID_CONTEXT' | 'GENERAL' | 'FLAG_NOT_FOUND';

/** An evaluated flag: no `value` means "use the caller's default" (a disabled flag). */
export interface OfrepSuccessItem {
  key: string;
  reason: 'DISABLED' | 'STATIC' | 'DEFAULT' | 'TARGETING_MATCH' | 'SPLIT';
  variant?: string;
  value?: JsonValue;
  metadata: Record<string, string>;
}

/** A flag (or request) that failed to evaluate. */
export interface OfrepFailure {
  key?: string;
  errorCode: OfrepErrorCode;
  errorDetails?: string;
}

/** A decoded request context, or the error code and details of a 400. */
export type DecodedContext = { ok: true; value: EvalInput } | { ok: false; errorCode: OfrepErrorCode; message: string };

/** How model outcomes map onto OFREP. */
export interface OfrepMapping {
  /** Serve a disabled flag's default variant with its value instead of the code default. */
  disabledServesDefault: boolean;
}

/**
 * Map one evaluation: disabled → `DISABLED` without value (unless `disabledServesDefault`; a null
 * json value is sent without value too, as OFREP has no null);
 * default with no rules → `STATIC`; default → `DEFAULT`; a rule → `TARGETING_MATCH`, or `SPLIT`
 * when a rollout chose the variant. Metadata carries the flag type and the deciding rule's id.
 */
export function ofrepItem(evaluation: Evaluation, mapping: OfrepMapping): OfrepSuccessItem {
  const metadata: Record<string, string> = { type: evaluation.type };
  if (evaluation.rule !== undefined) metadata.ruleId = evaluation.rule.id;
  const value = typedValue(evaluation);
  // OFREP has no null value: a null json variant is said the one way the schema allows, as a code default (no `value`).
  const served = value === null ? { variant: evaluation.variant, metadata } : { variant: evaluation.variant, value, metadata };
  switch (evaluation.reason) {
    case 'disabled':
      return mapping.disabledServesDefault ? { key: evaluation.key, reason: 'DISABLED', ...served } : { key: evaluation.key, reason: 'DISABLED', metadata };
    case 'default':
      return { key: evaluation.key, reason: evaluation.detail === 'static' ? 'STATIC' : 'DEFAULT', ...served };
    case 'rule_match':
      return { key: evaluation.key, reason: evaluation.detail === 'split' ? 'SPLIT' : 'TARGETING_MATCH', ...served };
  }
}

/**
 * Decode a request body. Unparsable JSON → `PARSE_ERROR`; `context` missing or not an object, or a
 * `targetingKey` that is not a string → `INVALID_CONTEXT`; no (or an empty) `targetingKey` is the
 * anonymous user, or `TARGETING_KEY_MISSING` when `requireTargetingKey`. `targetingKey` becomes the
 * user id; every other field an attribute (non-strings as their JSON text, `null` as `""`).
 */
export function decodeOfrepContext(body: string, requireTargetingKey: boolean): DecodedContext {
  let root: unknown;
  try {
    root = JSON.parse(body) as unknown;
  } catch {
    return { ok: false, errorCode: 'PARSE_ERROR', message: 'the request body is not valid JSON' };
  }
  const context = isObject(root) ? root.context : undefined;
  if (!isObject(context)) return { ok: false, errorCode: 'INVALID_CONTEXT', message: 'context must be an object' };
  const { targetingKey, ...rest } = context;
  if (targetingKey !== undefined && targetingKey !== null && typeof targetingKey !== 'string') {
    return { ok: false, errorCode: 'INVALID_CONTEXT', message: 'targetingKey must be a string' };
  }
  if (requireTargetingKey && (targetingKey ?? '') === '') {
    return { ok: false, errorCode: 'TARGETING_KEY_MISSING', message: 'targetingKey is required' };
  }
  const attributes: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of Object.entries(rest)) attributes[name] = attributeText(value);
  return { ok: true, value: { userId: targetingKey ?? '', attributes } };
}
