import type { BodyReader } from './body.js';

/**
 * The browser build of `body.ts` (package.json `browser` field): a browser's `fetch` gives WHATWG
 * `ReadableStream` bodies only, so the Node stream path (`cross-fetch` on Node) is left out.
 * `undefined` for no body, or a body that is not a stream.
 */
export function bodyReader(body: unknown): BodyReader | undefined {
  return (body as { getReader?: () => BodyReader } | null)?.getReader?.();
}
