import type { EvalResult, StoredFlags } from '../../lib/index.js';
import { storeScope } from '../../lib/stores/index.js';

/** A network result for `key` holding `value`. */
export const flag = (key: string, value: unknown): EvalResult =>
  ({ key, enabled: true, variant: JSON.stringify(value), value, reason: 'rule_match', evaluatedAt: '2026-01-01T00:00:00.000Z', source: 'network' }) as EvalResult;

/** A version-1 record for `userId`'s scope. */
export function record(userId: string, flags: EvalResult[] = [flag('dark-mode', true)], savedAt = '2026-01-01T00:00:00.000Z'): StoredFlags {
  return { version: 1, scope: storeScope('cuttlegate http://127.0.0.1:1/ demo/production', { userId }), savedAt, flags };
}

