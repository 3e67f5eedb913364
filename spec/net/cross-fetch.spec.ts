import { fetch as crossFetch } from 'cross-fetch';
import { lastValueFrom, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidResponseError, NetworkError } from '../../lib/errors.js';
import { httpJson } from '../../lib/net/http.js';
import { sse } from '../../lib/net/sse.js';
import type { FetchLike } from '../../lib/types.js';
import { eventStream, realRuntime, startLoopback, type Loopback } from './loopback.js';

/** `cross-fetch` on Node is node-fetch 2: its bodies are Node streams, not WHATWG `ReadableStream`s. */
const runtime = (maxResponseBytes?: number) =>
  realRuntime({ fetch: crossFetch as unknown as FetchLike, ...(maxResponseBytes === undefined ? {} : { maxResponseBytes }) });

let server: Loopback | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe('requests and streams through cross-fetch (Node streams as bodies)', () => {
  it('reads a JSON answer and refuses one over maxResponseBytes', async () => {
    server = await startLoopback({
      '/ok': (_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"flags":{"a":true}}'),
      '/big': (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(`{"pad":"${'x'.repeat(2_000)}"}`);
      },
    });
    const answer = await lastValueFrom(httpJson(runtime(), { url: `${server.url}/ok` }));
    expect(answer.body).toEqual({ flags: { a: true } });
    await expect(lastValueFrom(httpJson(runtime(1_000), { url: `${server.url}/big` }))).rejects.toBeInstanceOf(InvalidResponseError);
  });

  it('opens an event stream, reads its events, and reports a dropped connection as NetworkError', async () => {
    server = await startLoopback({ '/s': eventStream('data: one\r\n\r\nevent: init\ndata: {"a":1}\n\n') });
    const signals = await lastValueFrom(
      sse(runtime(), { url: `${server.url}/s`, watchdogMs: 0 }).pipe(take(3), toArray()),
    );
    expect(signals).toEqual([
      { type: 'open' },
      { type: 'event', event: 'message', data: 'one' },
      { type: 'event', event: 'init', data: '{"a":1}' },
    ]);
    const other = await startLoopback({
      '/d': (req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.write('data: x\n\n');
        setImmediate(() => req.socket.destroy());
      },
    });
    try {
      const error = await lastValueFrom(sse(runtime(), { url: `${other.url}/d`, watchdogMs: 0 })).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(NetworkError);
    } finally {
      await other.stop();
    }
  });
});
