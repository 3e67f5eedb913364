import { describe, expect, it } from 'vitest';
import { toDetails } from '../../lib/openfeature/details.js';
import type { EvalResult } from '../../lib/types.js';

/** An error entry of `errorCode`, as a transport puts a server's failure item in the snapshot. */
const failed = (errorCode: string): EvalResult => ({
  key: 'banner',
  enabled: false,
  variant: '',
  value: undefined,
  reason: 'ERROR',
  evaluatedAt: '2026-01-01T00:00:00.000Z',
  source: 'network',
  errorCode,
});

describe('toDetails of an error entry', () => {
  it.each([
    ['TARGETING_KEY_MISSING', 'TARGETING_KEY_MISSING'],
    ['PARSE_ERROR', 'PARSE_ERROR'],
    ['VENDOR_CODE', 'GENERAL'],
    ['constructor', 'GENERAL'],
    ['toString', 'GENERAL'],
    ['__proto__', 'GENERAL'],
  ])('wire code %s → %s, with the caller default', (wire, code) => {
    expect(toDetails(failed(wire), 'banner', 'none', 'string')).toMatchObject({ value: 'none', reason: 'ERROR', errorCode: code });
  });
});
