import type { FetchLike } from '../types.js';

/**
 * The `fetch` used when none is given: the global one, else `cross-fetch` loaded on first use.
 * Browser builds resolve `default-fetch.browser.ts` instead (package.json `browser` field), so
 * `cross-fetch` never reaches a browser bundle.
 */
export function defaultFetch(): FetchLike {
  if (typeof globalThis.fetch === 'function') return (input, init) => globalThis.fetch(input, init);
  return async (input, init) => {
    const { fetch } = await import('cross-fetch');
    return fetch(input, init);
  };
}
