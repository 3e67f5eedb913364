import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { TimeoutError } from '../../lib/errors.js';
import { sse } from '../../lib/net/sse.js';
import type { FetchLike } from '../../lib/types.js';

/** A fetch that answers with an open event stream whose body never ends; `aborted` tells when it was aborted. */
function openStream(): { fetch: FetchLike; aborted: () => boolean } {
  let aborted = false;
  const fetch: FetchLike = async (_url, init) => {
    init?.signal?.addEventListener('abort', () => (aborted = true));
    const body = new ReadableStream<Uint8Array>({ start: (controller) => controller.enqueue(new TextEncoder().encode(': hi\n\n')) });
    return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
  };
  return { fetch, aborted: () => aborted };
}

/** A virtual clock that runs scheduled work of any delay on `flush()`. */
function clock(): VirtualTimeScheduler {
  return new VirtualTimeScheduler();
}

/** Lets pending promise callbacks (fetch, reads) run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('sse timers on the injected scheduler', () => {
  it('fails with TimeoutError when the connection does not open within the request timeout', async () => {
    const ts = clock();
    let aborted = false;
    const hanging: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => ((aborted = true), reject(new Error('aborted')))));
    let failure: unknown;
    sse({ fetch: hanging, timeoutMs: 10_000, scheduler: ts }, { url: 'http://127.0.0.1:1/s', watchdogMs: 0 }).subscribe({
      error: (error) => (failure = error),
    });
    ts.flush();
    await settle();
    expect(aborted).toBe(true);
    expect(failure).toBeInstanceOf(TimeoutError);
    expect((failure as Error).message).toContain('connect timed out after 10000 ms');
  });

  it('fails with TimeoutError after watchdogMs of silence once open, and aborts the socket', async () => {
    const ts = clock();
    const stream = openStream();
    const signals: string[] = [];
    let failure: unknown;
    sse({ fetch: stream.fetch, timeoutMs: 10_000, scheduler: ts }, { url: 'http://127.0.0.1:1/s', watchdogMs: 30_000 }).subscribe({
      next: (signal) => signals.push(signal.type),
      error: (error) => (failure = error),
    });
    await settle();
    expect(signals).toEqual(['open']);
    ts.flush();
    await settle();
    expect(ts.now()).toBe(30_000);
    expect(stream.aborted()).toBe(true);
    expect(failure).toBeInstanceOf(TimeoutError);
    expect((failure as Error).message).toContain('watchdog');
  });

  it('leaves no timer scheduled after unsubscribe', async () => {
    const ts = clock();
    const stream = openStream();
    const subscription = sse({ fetch: stream.fetch, timeoutMs: 10_000, scheduler: ts }, { url: 'http://127.0.0.1:1/s', watchdogMs: 30_000 }).subscribe();
    await settle();
    subscription.unsubscribe();
    expect(stream.aborted()).toBe(true);
    ts.flush();
    expect(ts.now()).toBe(0);
  });

  it('arms no watchdog for a chunk that arrives after unsubscribe', async () => {
    const ts = clock();
    let deliver: (chunk: ReadableStreamReadResult<Uint8Array>) => void = () => undefined;
    // A body whose pending read still delivers a chunk after it was cancelled (as a Node stream may).
    const body = {
      getReader: () => ({
        read: () => new Promise<ReadableStreamReadResult<Uint8Array>>((resolve) => (deliver = resolve)),
        cancel: async () => undefined,
      }),
    };
    const late: FetchLike = async () => ({ status: 200, ok: true, headers: new Headers({ 'Content-Type': 'text/event-stream' }), body }) as unknown as Response;
    const subscription = sse({ fetch: late, timeoutMs: 10_000, scheduler: ts }, { url: 'http://127.0.0.1:1/s', watchdogMs: 30_000 }).subscribe();
    await settle();
    subscription.unsubscribe();
    deliver({ done: false, value: new TextEncoder().encode(': late\n\n') });
    await settle();
    ts.flush();
    expect(ts.now()).toBe(0);
  });
});
