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
