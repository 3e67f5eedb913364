import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import { createFlagClient, type FlagClient, type FlagClientOptions, type Logger } from '../../lib/index.js';
import type { TestSource } from '../../lib/testing/index.js';

/** A logger that drops every message. */
export const silent: Logger = { warn: () => undefined, error: () => undefined };

/** A `TestScheduler` whose marble assertions compare with `toEqual`. */
export function virtualTime(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/**
 * A client on `source` in virtual time, silent: no stream, no polling, and full-jitter draws at the
 * ceiling (retries after 1 s, 2 s, 4 s, …); `overrides` change any of that.
 */
export function clientOn(source: TestSource, scheduler: TestScheduler, overrides: Partial<FlagClientOptions> = {}): FlagClient {
  return createFlagClient({
    transport: source,
    scheduler,
    streaming: false,
    pollIntervalMs: 0,
    logger: silent,
    backoff: { random: () => 1 },
    ...overrides,
  });
}

/** Runs every timer of `ts` due by `frame` (outside `run()`, for promise-based specs). */
export function advanceTo(ts: TestScheduler, frame: number): void {
  ts.maxFrames = frame;
  ts.flush();
}

/** What `promise` has resolved to after `ticks` rounds of pending reactions, or `'pending'`. */
export async function settledValue<T>(promise: Promise<T>, ticks = 2): Promise<T | 'pending'> {
  let result: T | 'pending' = 'pending';
  void promise.then((value) => (result = value));
  for (let i = 0; i < ticks; i++) await Promise.resolve();
  return result;
}

/** Pending reactions, then one macrotask (a chunk loaded with `import()`, handlers run in one). */
export async function afterReactions(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await Promise.resolve();
  await new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Runs the timers of `ts` due within `ms` one instant at a time, each followed by its reactions
 * ({@link afterReactions}), as in real time, where another instant is another task: a promise settled
 * at one instant is seen before anything of a later one runs.
 */
export async function advanceByInstants(ts: TestScheduler, ms: number): Promise<void> {
  const end = ts.frame + ms;
  for (let next = ts.actions[0]?.delay; next !== undefined && next <= end; next = ts.actions[0]?.delay) {
    ts.maxFrames = next;
    ts.flush();
    await afterReactions();
  }
}
