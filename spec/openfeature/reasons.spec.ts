import { describe, expect, it } from 'vitest';
import { standardReason } from '../../lib/openfeature/reasons.js';

/** The README's OpenFeature table, row by row: every transport's (and the client's) reason word. */
describe('standardReason', () => {
  it.each([
    ['disabled', 'DISABLED'],
    ['default', 'DEFAULT'],
    ['rule_match', 'TARGETING_MATCH'],
    ['percentage_rollout', 'SPLIT'],
    ['rollout', 'SPLIT'],
    ['OFF', 'DISABLED'],
    ['TARGET_MATCH', 'TARGETING_MATCH'],
    ['RULE_MATCH', 'TARGETING_MATCH'],
    ['FALLTHROUGH', 'DEFAULT'],
    ['UNKNOWN', 'UNKNOWN'],
    ['ERROR', 'ERROR'],
    ['STATIC', 'STATIC'],
    ['DEFAULT', 'DEFAULT'],
    ['TARGETING_MATCH', 'TARGETING_MATCH'],
    ['SPLIT', 'SPLIT'],
    ['DISABLED', 'DISABLED'],
    ['CACHED', 'CACHED'],
    ['STALE', 'STALE'],
    ['cached', 'CACHED'],
    ['stale', 'STALE'],
    ['bootstrap', 'DEFAULT'],
    ['not_found', 'ERROR'],
    ['default_fallback', 'ERROR'],
    ['mock', 'STATIC'],
    ['mock_default', 'ERROR'],
    ['VENDOR_WORD', 'UNKNOWN'],
    ['Disabled', 'UNKNOWN'],
    ['__proto__', 'UNKNOWN'],
    ['constructor', 'UNKNOWN'],
  ])('%s → %s', (word, reason) => {
    expect(standardReason(word)).toBe(reason);
  });
});
