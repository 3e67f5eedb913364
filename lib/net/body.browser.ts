import type { BodyChunk, BodyReader } from './body.js';

/**
 * The browser build of `body.ts` (package.json `browser` field): a browser's `fetch` gives WHATWG
 * `ReadableStream` bodies only, so the Node stream path (`cross-fetch` on Node) is left out.
 * `undefined` for no body, or a body that is not a stream.
 */
export function bodyReader(body: unknown): BodyReader | undefined {
  const reader = (body as { getReader?: () => ReadableStreamDefaultReader<Uint8Array> } | null)?.getReader?.();
  return reader && { read: () => reader.read() as Promise<BodyChunk>, cancel: () => reader.cancel().catch(() => undefined) };
}

