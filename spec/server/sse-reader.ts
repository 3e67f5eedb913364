/** Test helper: a real SSE reader over fetch's response body, with awaited frames and bounded timeouts. */

/** One SSE block: its comment lines, `event:` name and `data:` payload (lines joined by `\n`), if any. */
export interface SseFrame {
  comments: string[];
  event: string | undefined;
  data: string | undefined;
  /** The block exactly as received, without the terminating blank line. */
  raw: string;
}

/** An open stream. `next` resolves with the next frame, or `undefined` at end of stream. */
export interface SseReader {
  response: Response;
  next(timeoutMs?: number): Promise<SseFrame | undefined>;
  /** The next frame carrying data, skipping heartbeats. */
  nextData(timeoutMs?: number): Promise<SseFrame | undefined>;
  close(): void;
}

/** Open `url` (with a bearer token unless `token` is undefined) and read its body as SSE. */
export async function openSse(url: string, token: string | undefined): Promise<SseReader> {
  const abort = new AbortController();
  const headers: Record<string, string> = { Accept: 'text/event-stream' };
  if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(url, { headers, signal: abort.signal });
  const frames: SseFrame[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const raw = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = raw.split('\n');
          const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, ''));
          const event = lines.find((l) => l.startsWith('event:'))?.slice(6).trim();
          frames.push({ raw, comments: lines.filter((l) => l.startsWith(':')), event, data: data.length > 0 ? data.join('\n') : undefined });
          notify();
        }
      }
    } catch {
      // aborted by close(), or the connection was cut: both end the stream
    }
    ended = true;
    notify();
  })();

  /** One reader at a time: each call waits for the next frame, or the end. */
  const next = async (timeoutMs = 5000): Promise<SseFrame | undefined> => {
    if (frames.length === 0 && !ended) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no SSE frame within ${timeoutMs} ms`)), timeoutMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return frames.shift();
  };

  return {
    response,
    next,
    async nextData(timeoutMs = 5000) {
      for (;;) {
        const frame = await next(timeoutMs);
        if (frame === undefined || frame.data !== undefined) return frame;
      }
    },
    close: () => abort.abort(),
  };
}

/** Closes a spec's open streams (emptying the list) and then its server, if any: what each afterEach does. */
export async function closeAll(streams: SseReader[], server: { close(): Promise<void> } | undefined): Promise<void> {
  for (const stream of streams.splice(0)) stream.close();
  await server?.close();
}
