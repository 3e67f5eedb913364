import { bodyReader as webReader } from './body.browser.js';

/** One read of a {@link BodyReader}. */
export type BodyChunk = { done: true; value?: undefined } | { done: false; value: Uint8Array };

/** A response body read chunk by chunk, whichever kind of stream the `fetch` implementation gives. */
export interface BodyReader {
  read(): Promise<BodyChunk>;
  /** Stops reading and releases the connection (a rejection means nothing: the caller ignores it). */
  cancel(): Promise<unknown>;
}

/**
 * A reader over `body`: a WHATWG `ReadableStream` (the global `fetch`, browsers) or an async-iterable
 * Node stream (`cross-fetch` on Node, which is `node-fetch` 2). `undefined` for no body, or a body of
 * neither kind. Browser builds resolve `body.browser.ts` (the WHATWG path alone) instead.
 */
export function bodyReader(body: unknown): BodyReader | undefined {
  const web = webReader(body);
  if (web || typeof body !== 'object' || body === null) return web;
  const node = body as { [Symbol.asyncIterator]?: () => AsyncIterator<unknown>; destroy?: () => void };
  if (typeof node[Symbol.asyncIterator] !== 'function') return undefined;
  const chunks = node[Symbol.asyncIterator]!();
  return {
    read: async () => {
      const next = await chunks.next();
      return next.done ? { done: true } : { done: false, value: bytes(next.value) };
    },
    cancel: async () => {
      node.destroy?.();
      await chunks.return?.().catch(() => undefined);
    },
  };
}


function bytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  return new TextEncoder().encode(String(chunk));
}
