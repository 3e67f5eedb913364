import { firstValueFrom, lastValueFrom, take, tap, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthError, InvalidResponseError, NetworkError, RateLimitError } from '../../lib/errors.js';
import { sse, type SseOptions, type SseSignal } from '../../lib/net/sse.js';
import { eventStream, realRuntime, startLoopback, type Loopback } from './loopback.js';

let server: Loopback | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

function failure(url: string, extra: Partial<SseOptions> = {}): Promise<Error> {
  return lastValueFrom(sse(realRuntime(), { url, watchdogMs: 0, ...extra })).then(
    () => {
      throw new Error('expected a failure');
    },
    (error: Error) => error,
  );
}

describe('sse over loopback', () => {
  it('sends Accept and the given headers, opens, and reports every event with its name', async () => {
    server = await startLoopback({
      '/s': eventStream(
        ': keep-alive\n\nretry: 86400000\n\ndata: one\r\n\r\nevent: init\ndata: {"a":1}\n\nevent: other\ndata: x\n\nevent: flag-changed\ndata: l1\ndata: l2\n\n',
      ),
    });
    const signals = await lastValueFrom(
      sse(realRuntime(), { url: `${server.url}/s`, headers: { Authorization: 'Bearer k' }, watchdogMs: 0 }).pipe(
        take(5),
        toArray(),
      ),
    );
    expect(signals).toEqual<SseSignal[]>([
      { type: 'open' },
      { type: 'event', event: 'message', data: 'one' },
      { type: 'event', event: 'init', data: '{"a":1}' },
      { type: 'event', event: 'other', data: 'x' },
      { type: 'event', event: 'flag-changed', data: 'l1\nl2' },
    ]);
    expect(server.requests[0]!.headers.accept).toBe('text/event-stream');
    expect(server.requests[0]!.headers.authorization).toBe('Bearer k');
  });

  it('drops keepalive events by name (ping, heartbeat, keepalive, keep-alive): no protocol sees them', async () => {
    server = await startLoopback({
      '/s': eventStream(
        'event: ping\ndata: {}\n\nevent: heartbeat\ndata: {}\n\nevent: keepalive\ndata: ping\n\nevent: keep-alive\ndata:\n\nevent: pings\ndata: p\n\ndata: ping\n\n',
      ),
    });
    const signals = await lastValueFrom(sse(realRuntime(), { url: `${server.url}/s`, watchdogMs: 0 }).pipe(take(3), toArray()));
    expect(signals).toEqual<SseSignal[]>([
      { type: 'open' },
      { type: 'event', event: 'pings', data: 'p' },
      { type: 'event', event: 'message', data: 'ping' },
    ]);
  });

  it('maps a 429 with its real headers: RateLimitError with the Retry-After wait', async () => {
    server = await startLoopback({ '/s': (_req, res) => res.writeHead(429, { 'Retry-After': '42' }).end() });
    const error = await failure(`${server.url}/s`);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(42_000);
  });

  it('maps 401 to AuthError and a non-stream 200 to InvalidResponseError', async () => {
    server = await startLoopback({
      '/auth': (_req, res) => res.writeHead(401).end(),
      '/html': (_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>'),
    });
    expect(await failure(`${server.url}/auth`)).toBeInstanceOf(AuthError);
    expect(await failure(`${server.url}/html`)).toBeInstanceOf(InvalidResponseError);
  });

  it('fails with NetworkError when the server ends the stream, and does not reconnect', async () => {
    server = await startLoopback({
      '/s': (req, res) => {
        eventStream('retry: 10\n\ndata: a\n\n')(req, res);
        res.end();
      },
    });
    const error = await failure(`${server.url}/s`);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toContain('ended by the server');
    expect(server.requests).toHaveLength(1);
  });

  it('drops a leading BOM and keeps one later in the stream as text', async () => {
    server = await startLoopback({ '/s': eventStream('\uFEFFdata: a\n\n\uFEFFdata: b\n\ndata: c\n\n') });
    const signals = await lastValueFrom(sse(realRuntime(), { url: `${server.url}/s`, watchdogMs: 0 }).pipe(take(3), toArray()));
    expect(signals).toEqual<SseSignal[]>([{ type: 'open' }, { type: 'event', event: 'message', data: 'a' }, { type: 'event', event: 'message', data: 'c' }]);
  });

  it('fails a 200 event stream that has no body (a fetch that cannot stream) with InvalidResponseError, never open', async () => {
    const empty = async (): Promise<Response> => new Response(null, { headers: { 'Content-Type': 'text/event-stream' } });
    const signals: SseSignal[] = [];
    const error = await lastValueFrom(sse(realRuntime({ fetch: empty }), { url: 'http://127.0.0.1:1/s', watchdogMs: 0 }).pipe(tap((s) => signals.push(s)))).catch(
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toBe('stream http://127.0.0.1:1/s: no readable body');
    expect(signals).toEqual([]);
  });

  it('refuses an event over maxEventBytes and closes the connection', async () => {
    server = await startLoopback({ '/s': eventStream(`data: ${'x'.repeat(5_000)}\n`) });
    const closed = server.closed('/s');
    const error = await failure(`${server.url}/s`, { maxEventBytes: 4_096 });
    expect(error).toBeInstanceOf(InvalidResponseError);
    // The parser's error names the stream once, as every stream error does.
    expect(error.message).toBe(`stream ${server.url}/s: event over maxEventBytes (4096 bytes)`);
    await closed;
  });

  it('caps an unbounded line by default (1 MiB) while the server keeps sending', async () => {
    const chunk = 'y'.repeat(64 * 1024);
    server = await startLoopback({
      '/s': (req, res) => {
        eventStream('data: ')(req, res);
        const pump = (): void => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        pump();
      },
    });
    const error = await failure(`${server.url}/s`);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toContain(`${1024 * 1024} bytes`);
  });

  it('closes the socket when the caller unsubscribes', async () => {
    server = await startLoopback({ '/s': eventStream('data: a\n\n') });
    const closed = server.closed('/s');
    await firstValueFrom(sse(realRuntime(), { url: `${server.url}/s`, watchdogMs: 0 }));
    await closed;
  });
});
