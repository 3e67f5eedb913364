import { describe, expect, it } from 'vitest';
import { ConfigError, createFlagClient } from '../../lib/index.js';
import { testSource } from '../../lib/testing/index.js';

/** The ConfigError `createFlagClient` throws for `options`, or undefined when it accepts them. */
function configError(options: Record<string, unknown>): ConfigError | undefined {
  try {
    createFlagClient({ transport: testSource({}), ...options }).close();
    return undefined;
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
}

describe('createFlagClient option ranges', () => {
  it.each([0, 1_000, 30_000, 2 ** 31 - 1])('accepts pollIntervalMs %d', (pollIntervalMs) => {
    expect(configError({ pollIntervalMs })).toBeUndefined();
  });

  it.each([1, 50, 999, 2 ** 31])('refuses pollIntervalMs %d, naming the valid values', (pollIntervalMs) => {
    const error = configError({ pollIntervalMs });
    expect(error?.field).toBe('pollIntervalMs');
    expect(error?.message).toBe(`pollIntervalMs: must be 0 (off) or a number from 1000 to 2147483647, got ${pollIntervalMs}`);
  });

  it('still refuses a negative or non-numeric pollIntervalMs', () => {
    expect(configError({ pollIntervalMs: -1 })?.field).toBe('pollIntervalMs');
    expect(configError({ pollIntervalMs: '5000' })?.field).toBe('pollIntervalMs');
  });

  it.each([1, 10_000, 2 ** 31 - 1])('accepts timeoutMs %d', (timeoutMs) => {
    expect(configError({ timeoutMs })).toBeUndefined();
  });

  it.each([0, -5, 2 ** 31, Number.NaN, '100'])('refuses timeoutMs %s with the valid range', (timeoutMs) => {
    const error = configError({ timeoutMs });
    expect(error?.field).toBe('timeoutMs');
    expect(error?.message).toBe(`timeoutMs: must be a number from 1 to 2147483647, got ${String(timeoutMs)}`);
  });

  it.each([
    [{ circuitBreaker: { openMs: 0 } }, 'circuitBreaker.openMs: must be a number from 1 to 2147483647, got 0'],
    [{ circuitBreaker: 'on' }, 'circuitBreaker: must be an object'],
    [{ backoff: { baseMs: -1 } }, 'backoff.baseMs: must be a number from 0 to 2147483647, got -1'],
    [{ tracking: { flushIntervalMs: Number.NaN } }, 'tracking.flushIntervalMs: must be a number from 1 to 2147483647, got NaN'],
    [{ tracking: { batchSize: 1.5 } }, 'tracking.batchSize: must be an integer, got 1.5'],
    [{ hiddenCloseMs: 2 ** 31 }, 'hiddenCloseMs: must be a number from 0 to 2147483647, got 2147483648'],
    [{ maxResponseBytes: 0 }, 'maxResponseBytes: must be a number from 1 to 2147483647, got 0'],
  ])('every number option follows one rule, named in its error: %j', (options, message) => {
    expect(configError(options)?.message).toBe(message);
  });

  it('accepts 0 where it means off, and a circuit breaker turned off', () => {
    expect(configError({ tracking: { telemetryIntervalMs: 0 }, hiddenCloseMs: 0, circuitBreaker: false, backoff: { baseMs: 0 } })).toBeUndefined();
  });
});
