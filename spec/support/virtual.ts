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
