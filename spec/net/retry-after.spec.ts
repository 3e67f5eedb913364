import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS, parseRetryAfter } from '../../lib/net/retry-after.js';

const now = Date.parse('2026-02-07T12:00:00Z');

describe('parseRetryAfter', () => {
  it('reads delta seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads an IMF-fixdate and an ISO date as the time until then', () => {
    expect(parseRetryAfter('Sat, 07 Feb 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('2026-02-07T12:01:00Z', now)).toBe(60_000);
  });

  it('does not read an ISO date as seconds (the reference client bug)', () => {
    expect(parseRetryAfter('2026-02-07T12:00:10Z', now)).toBe(10_000);
  });

  it('clamps past dates to zero and caps absurd values', () => {
    expect(parseRetryAfter('2020-01-01T00:00:00Z', now)).toBe(0);
    expect(parseRetryAfter('999999999', now)).toBe(MAX_RETRY_AFTER_MS);
  });

  it('ignores junk', () => {
    for (const junk of [null, undefined, '', 'soon', '-5', '1.5', '12abc']) {
      expect(parseRetryAfter(junk, now)).toBeUndefined();
    }
  });
});
