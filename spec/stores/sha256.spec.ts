import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256Base64Url } from '../../lib/stores/fleet/sha256.js';

describe('sha256 (fleet key names, no node:crypto)', () => {
  it('matches node:crypto on block boundaries and any Unicode text', () => {
    for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1_000]) {
      const text = 'x'.repeat(length);
      expect(sha256Base64Url(text)).toBe(createHash('sha256').update(text).digest('base64url'));
    }
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (text) => {
        expect(sha256Base64Url(text)).toBe(createHash('sha256').update(text).digest('base64url'));
      }),
      { numRuns: 200 },
    );
  });
});
