import { describe, expect, it } from 'vitest';
import { describeFetchFailure } from '../../lib/net/fetch-failure.js';
import { describeFetchFailure as describeInBrowser } from '../../lib/net/fetch-failure.browser.js';

describe('describeFetchFailure', () => {
  it('names the system error code undici (on the cause) or node-fetch (on the error) gives, else the message', () => {
    expect(describeFetchFailure(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }))).toBe('connection failed (ECONNREFUSED)');
    expect(describeFetchFailure(Object.assign(new Error('request failed'), { code: 'ENOTFOUND' }))).toBe('connection failed (ENOTFOUND)');
    expect(describeFetchFailure(Object.assign(new Error('aborted'), { code: 'not a system code' }))).toBe('aborted');
    expect(describeFetchFailure('offline')).toBe('connection failed');
  });

  it('in a browser build, gives the message of the TypeError a browser fetch rejects with', () => {
    expect(describeInBrowser(new TypeError('Failed to fetch'))).toBe('Failed to fetch');
    expect(describeInBrowser('offline')).toBe('connection failed');
  });
});
