import { StandardResolutionReasons } from '@openfeature/core';

/** One of OpenFeature's standard resolution reasons. */
export type StandardReason = (typeof StandardResolutionReasons)[keyof typeof StandardResolutionReasons];

/**
 * Every reason word a transport or the client puts in `EvalResult.reason`, and the standard reason
 * it stands for. Where a wire cannot tell two standard reasons apart, the word maps to the nearer one
 * (the README's OpenFeature table lists each row and says which):
 * - Cuttlegate `default` is "no rules" (STATIC) or "no rule matched" (DEFAULT): DEFAULT covers both;
 *   `rule_match` is a rule or a rollout inside one (SPLIT): TARGETING_MATCH.
 * - Rollgate `RULE_MATCH` is TARGETING_MATCH whatever `inRollout` says (a 100 % rule sets it too);
 *   `FALLTHROUGH` (the flag-level rollout, which may be 100 %) is DEFAULT.
 * - OFREP sends the standard words themselves.
 * Case matters: the words are the wires' own. A word not listed here is UNKNOWN.
 */
const STANDARD_REASONS: ReadonlyMap<string, StandardReason> = new Map(
  Object.entries({
    // Cuttlegate (`percentage_rollout` and `rollout` are named in its SDK docs, never sent).
    disabled: 'DISABLED',
    default: 'DEFAULT',
    rule_match: 'TARGETING_MATCH',
    percentage_rollout: 'SPLIT',
    rollout: 'SPLIT',
    // Rollgate (`ERROR` and `UNKNOWN` are the same words as the standard ones).
    OFF: 'DISABLED',
    TARGET_MATCH: 'TARGETING_MATCH',
    RULE_MATCH: 'TARGETING_MATCH',
    FALLTHROUGH: 'DEFAULT',
    // OFREP: the standard words (each is its own key in StandardResolutionReasons).
    ...StandardResolutionReasons,
    // The client's own: an initial value (`bootstrap`), a stored one, a last good value held while the
    // server's entry for it is rejected (`stale`), the mock client's, and a missing key (with or without
    // a configured default: `FLAG_NOT_FOUND` either way).
    bootstrap: 'DEFAULT',
    cached: 'CACHED',
    store: 'CACHED',
    stale: 'STALE',
    mock: 'STATIC',
    not_found: 'ERROR',
    default_fallback: 'ERROR',
    mock_default: 'ERROR',
  } as const),
);

/** The standard reason for a reason word of any transport (or the client), UNKNOWN for a word it does not know. */
export function standardReason(reason: string): StandardReason {
  return STANDARD_REASONS.get(reason) ?? 'UNKNOWN';
}
