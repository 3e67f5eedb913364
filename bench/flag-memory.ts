/**
 * Memory per flag: flagstream's `FlagSnapshot` of 1,000 flags of mixed types against the OpenFeature
 * web SDK's `InMemoryProvider` holding the same 1,000 flags, in the same run. Both are built from
 * freshly decoded JSON text (as a payload from the network arrives), the decoded input is dropped, and
 * what each keeps is measured as a heap delta after `gc()`, averaged over repeats.
 */
import { InMemoryProvider } from '@openfeature/web-sdk';
import { FlagSnapshot } from '../lib/client/state/snapshot.js';
import type { EvalResult, JsonValue } from '../lib/index.js';
import { report } from './support.js';

const FLAGS = 1_000;
/** Structures held at once per measurement, and measurements averaged. */
const HELD = 20;
const REPEATS = 5;
const REASONS = ['TARGETING_MATCH', 'STATIC', 'DEFAULT', 'SPLIT'];

/** One mixed flag set: a quarter each of bool, string, number and small JSON object values. */
export function mixedFlags(count: number, at = '2026-01-01T00:00:00Z'): EvalResult[] {
  return Array.from({ length: count }, (_, i) => {
    const kind = i % 4;
    const value: JsonValue =
      kind === 0 ? i % 3 !== 0 : kind === 1 ? `colour-${i % 7}` : kind === 2 ? i * 10 : { limit: i, tags: ['a', 'b'], nested: { on: true } };
    const variant = kind === 0 ? String(value) : kind === 1 ? (value as string) : `v${i % 5}`;
    return { key: `flag-${i}`, enabled: true, variant, value, reason: REASONS[i % REASONS.length]!, evaluatedAt: at, source: 'network' as const };
  });
}

/** The OpenFeature in-memory configuration serving the same values (one variant per flag, the one served). */
function openFeatureConfig(flags: readonly EvalResult[]): Record<string, { variants: Record<string, JsonValue>; defaultVariant: string; disabled: boolean }> {
  const config: Record<string, { variants: Record<string, JsonValue>; defaultVariant: string; disabled: boolean }> = {};
  for (const flag of flags) config[flag.key] = { variants: { [flag.variant]: flag.value! }, defaultVariant: flag.variant, disabled: false };
  return config;
}

/** Mean bytes one `build(text)` keeps alive, after the decoded input is gone. */
function retained(gc: () => void, text: string, build: (decoded: unknown) => unknown): number {
  const samples: number[] = [];
  for (let r = 0; r < REPEATS + 1; r += 1) {
    const held: unknown[] = [];
    gc();
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < HELD; i += 1) held.push(build(JSON.parse(text)));
    gc();
    gc();
    const bytes = (process.memoryUsage().heapUsed - before) / HELD;
    if (held.length !== HELD) throw new Error('unreachable');
    if (r > 0) samples.push(bytes); // the first round warms up code and shared tables
  }
  return samples.reduce((a, b) => a + b, 0) / samples.length;
}

export async function flagMemory(): Promise<void> {
  console.log(`\n12a. Memory per flag: a snapshot of ${FLAGS.toLocaleString('en')} flags of mixed types vs OpenFeature web's in-memory flags`);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    console.log('  skipped: run with node --expose-gc');
    return;
  }
  // Each side's cost with no flags (the shared empty snapshot; a provider's emitter and metadata)
  // is taken off, so the figures are what the flags themselves cost.
  const snapshot = (decoded: unknown): unknown => FlagSnapshot.from(decoded as EvalResult[]);
  const provider = (decoded: unknown): unknown => new InMemoryProvider(decoded as never);
  const kib = (bytes: number): string => `${((bytes / FLAGS) * 1_000 / 1024).toFixed(1)} KiB per 1,000 flags`;
  const mixed = mixedFlags(FLAGS);
  const rows: Array<[string, string]> = [];
  for (const [label, flags] of [
    ['mixed', mixed],
    ['bool only', mixed.map((flag, i) => ({ ...flag, variant: String(i % 3 !== 0), value: i % 3 !== 0 }))],
  ] as const) {
    const ours = retained(gc, JSON.stringify(flags), snapshot) - retained(gc, '[]', snapshot);
    const theirs = retained(gc, JSON.stringify(openFeatureConfig(flags)), provider) - retained(gc, '{}', provider);
    rows.push(
      [`${label}: flagstream FlagSnapshot (results with value, variant, reason, time, source; deep-frozen)`, kib(ours)],
      [`${label}: OpenFeature web InMemoryProvider (its flag configuration: the served variant only)`, `${kib(theirs)}   flagstream/OpenFeature ${(ours / theirs).toFixed(2)}`],
    );
  }
  report(rows);
}
