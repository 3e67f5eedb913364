import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS, parseRetryAfter } from '../../lib/net/retry-after.js';

const now = Date.parse('2026-02-07T12:00:00Z');

describe('parseRetryAfter', () => {
  it('reads delta seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('007', now)).toBe(7_000);
  });

  it('reads an IMF-fixdate as the time until then', () => {
    expect(parseRetryAfter('Sat, 07 Feb 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 08 Feb 2026 11:00:00 GMT', now)).toBe(MAX_RETRY_AFTER_MS);
  });

  it('reads ISO 8601 date-times with a zone (Z, offsets, fractions)', () => {
    expect(parseRetryAfter('2026-02-07T12:01:00Z', now)).toBe(60_000);
    expect(parseRetryAfter('2026-02-07T13:00:05+01:00', now)).toBe(5_000);
    expect(parseRetryAfter('2026-02-07T12:00:01.500Z', now)).toBe(1_500);
  });

  it('never reads an ISO date as a number of seconds', () => {
    expect(parseRetryAfter('2026-02-07T12:00:10Z', now)).toBe(10_000);
    expect(parseRetryAfter('2026', now)).toBe(2_026_000);
  });

  it('clamps negative and past values to zero and caps absurd ones', () => {
    expect(parseRetryAfter('-5', now)).toBe(0);
    expect(parseRetryAfter('2020-01-01T00:00:00Z', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('999999999', now)).toBe(MAX_RETRY_AFTER_MS);
  });

  it('ignores junk, including strings a lenient date parser would accept', () => {
    const junk = [null, undefined, '', ' ', 'soon', '1.5', '12abc', 'abc 1', 'Tue 3', '2026-02-07', '2026-02-07T12:00:00',
      'Sat, 31 Feb 2026 12:00:00 GMT', 'Sat, 07 Foo 2026 12:00:00 GMT', 'Fri, 07 Feb 2026 12:00:30 GMT', 'Xyz, 07 Feb 2026 12:00:30 GMT',
      'Sat, 07 FEB 2026 12:00:30 GMT', 'Sat, 7 Feb 2026 12:00:30 GMT', 'Sat, 07 Feb 2026 12:00:30 UTC', 'Sat, 07 Feb 2026 12:00 GMT', 'Infinity', '0x10', '1e3'];
    for (const value of junk) expect(parseRetryAfter(value, now), String(value)).toBeUndefined();
  });
});
