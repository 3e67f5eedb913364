import { expect } from 'vitest';
import { createFlagClient, type FlagClient, type FlagClientOptions } from '../../../lib/index.js';
import { silent } from '../../support/virtual.js';
import type { ScriptedCuttlegate } from './scripted-cuttlegate.js';

/** Retry fast so outages of a few seconds stay a few seconds (the shape of the policy is unchanged). */
export const fastRetry: Pick<FlagClientOptions, 'backoff' | 'circuitBreaker'> = {
  backoff: { baseMs: 100, capMs: 1_000, healthyMs: 2_000 },
  circuitBreaker: { openMs: 1_000 },
};

/** A streaming client of `server` (no polling), retrying fast, silent; `overrides` change any of it. */
export function chaosClient(server: ScriptedCuttlegate, overrides: Partial<FlagClientOptions> = {}): FlagClient {
  return createFlagClient({
    transport: server.transport(),
    streaming: true,
    pollIntervalMs: 0,
    timeoutMs: 2_000,
    logger: silent,
    ...fastRetry,
    ...overrides,
  });
}

/** Resolves once `check()` is true, polling every 10 ms; fails naming `what` after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Handle kinds a test may open: sockets, servers, timers, child processes and their pipes. */
const TRACKED = new Set(['TCPSocketWrap', 'TCPServerWrap', 'Timeout', 'ProcessWrap', 'PipeWrap']);

/** Tracked handles alive in this process right now. */
function liveHandles(): number {
  return process.getActiveResourcesInfo().filter((name) => TRACKED.has(name)).length;
}

/**
 * Takes the count of live handles before a test and listens for unhandled rejections; after the
 * test, checks that it left no handle behind and rejected nothing unhandled.
 */
export function handleLeakCheck(): { expectNoneLeft(): Promise<void> } {
  const before = liveHandles();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  return {
    async expectNoneLeft() {
      try {
        await expect.poll(liveHandles, { timeout: 3_000, interval: 20 }).toBeLessThanOrEqual(before);
        expect(unhandled).toEqual([]);
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
    },
  };
}
