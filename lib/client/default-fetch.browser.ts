import type { FetchLike } from '../types.js';

/** The browser's `fetch` (every supported browser has one); swapped in for `default-fetch.ts` by bundlers. */
export function defaultFetch(): FetchLike {
  return (input, init) => globalThis.fetch(input, init);
}
