/**
 * Run by the file-store crash spec as its own process: saves records to the file named by argv[2]
 * as fast as it can, alternating a small and a large one, printing `saved N` after each.
 */
import { fileStore } from '../../lib/stores/index.js';
import { record } from './records.js';

const path = process.argv[2]!;
const store = fileStore(path);
const big = Array.from({ length: 5_000 }, (_, i) => ({
  key: `flag-${i}`,
  enabled: true,
  variant: 'x'.repeat(40),
  value: 'x'.repeat(40),
  reason: 'rule_match',
  evaluatedAt: '2026-01-01T00:00:00.000Z',
  source: 'network' as const,
}));
for (let n = 1; ; n++) {
  await store.save(record('crash', n % 2 === 0 ? big : big.slice(0, 1), new Date().toISOString()));
  console.log(`saved ${n}`);
}
