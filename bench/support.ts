import { Observable, Subject, of } from 'rxjs';
import type { EvalResult, JsonValue, Transport } from '../lib/index.js';

/** `count` bool flags named `flag-0` … all `true`. */
export function boolFlags(count: number, at = '2026-01-01T00:00:00Z'): EvalResult[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `flag-${i}`,
    enabled: true,
    variant: 'true',
    value: true,
    reason: 'default',
    evaluatedAt: at,
    source: 'network' as const,
  }));
}

/**
 * An in-process transport whose stream pushes whole states synchronously, so a benchmark measures
 * the client's own work (diff + fan-out) and nothing of the network.
 */
export function pushTransport(initial: EvalResult[]): { transport: Transport; push(flags: EvalResult[]): void } {
  const pushes = new Subject<EvalResult[]>();
  const transport: Transport = {
    kind: 'bench',
    connect: () => ({
      load: () => of({ kind: 'flags' as const, flags: initial }),
      evaluate: () => of(initial[0]!),
      stream: () =>
        new Observable((subscriber) => {
          subscriber.next({ type: 'connected' as const });
          return pushes.subscribe((flags) => subscriber.next({ type: 'flags' as const, flags }));
        }),
    }),
  };
  return { transport, push: (flags) => pushes.next(flags) };
}

/**
 * Runs `fn` `iterations` times after a warm-up; returns ns per call (best of `rounds`). Each call gets
 * its own compiled loop, so the functions measured before do not turn the loop's call site
 * polymorphic and penalise whichever runs later.
 */
export function nsPerOp(fn: () => unknown, iterations: number, rounds = 5): number {
  const loop = new Function(
    'fn',
    'iterations',
    'rounds',
    'now',
    `let sink;
    for (let i = 0; i < iterations; i += 1) sink = fn();
    let best = Infinity;
    for (let round = 0; round < rounds; round += 1) {
      const start = now();
      for (let i = 0; i < iterations; i += 1) sink = fn();
      best = Math.min(best, Number(now() - start) / iterations);
    }
    return sink === Symbol.for('never') ? -1 : best;`,
  ) as (fn: () => unknown, iterations: number, rounds: number, now: () => bigint) => number;
  return loop(fn, iterations, rounds, () => process.hrtime.bigint());
}

/** Median and percentile helpers. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/** One table row: name, value, unit, target, and the ratio line. */
export function report(rows: Array<[string, string]>): void {
  const width = Math.max(...rows.map(([name]) => name.length));
  for (const [name, value] of rows) console.log(`  ${name.padEnd(width)}  ${value}`);
}

/** Median ms of `change(round)` over `rounds` rounds (after a warm-up of 20). */
export function timedMs(rounds: number, change: (round: number) => void): number {
  for (let r = 0; r < 20; r += 1) change(r);
  const times: number[] = [];
  for (let r = 0; r < rounds; r += 1) {
    const start = process.hrtime.bigint();
    change(r);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return percentile(times.sort((a, b) => a - b), 50);
}

/** A payload like `flags` (fresh objects, as a decoder makes them) with `flag-7` toggled by `round`. */
export function changePayload(flags: EvalResult[], round: number): EvalResult[] {
  return flags.map((f) =>
    f.key === 'flag-7' ? { ...f, variant: String(round % 2 !== 0), value: round % 2 !== 0 } : { ...f, value: freshJson(f.value) },
  );
}

/** A fresh copy of a JSON object or array (as a decoder would make it); scalars as they are. */
function freshJson(value: JsonValue | undefined): JsonValue | undefined {
  return typeof value === 'object' && value !== null ? (JSON.parse(JSON.stringify(value)) as JsonValue) : value;
}
