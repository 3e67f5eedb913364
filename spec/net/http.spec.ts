import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  AuthError,
  InvalidResponseError,
  NetworkError,
  RateLimitError,
  RequestError,
  ServerError,
  TimeoutError,
} from '../../lib/errors.js';
import { httpJson } from '../../lib/net/http.js';
import type { TransportRuntime } from '../../lib/transports/transport.js';
import type { FetchLike } from '../../lib/types.js';
import { asyncScheduler } from 'rxjs';
import { virtualTime } from '../support/virtual.js';

const secretUrl = 'https://flags.example.com/api/v1/sdk/stream?token=sb_server_SECRET123';

function runtime(fetch: FetchLike, timeoutMs = 1_000): TransportRuntime {
  return { fetch, timeoutMs, scheduler: asyncScheduler, logger: { warn: () => {}, error: () => {} } };
}

const respond =
  (status: number, body = '', headers: Record<string, string> = { 'Content-Type': 'application/json' }): FetchLike =>
  async () =>
    new Response(status === 304 ? null : body, { status, headers });

async function failure(fetch: FetchLike): Promise<Error> {
  return firstValueFrom(httpJson(runtime(fetch), { url: secretUrl })).then(
    () => {
      throw new Error('expected a failure');
    },
    (error: Error) => error,
  );
}

describe('httpJson error mapping', () => {
  it.each([
    [401, AuthError],
    [403, AuthError],
    [429, RateLimitError],
    [500, ServerError],
    [503, ServerError],
    [400, RequestError],
    [404, RequestError],
  ])('maps HTTP %i to its typed error', async (status, type) => {
    const error = await failure(respond(status, '{"error":"x"}'));
    expect(error).toBeInstanceOf(type);
    expect(error.message).not.toContain('SECRET');
  });

  it.each([
    ['OFREP', 400, { errorCode: 'TARGETING_KEY_MISSING', errorDetails: 'x' }, 'TARGETING_KEY_MISSING'],
    ['Cuttlegate', 404, { error: 'not_found', message: 'resource not found' }, 'not_found'],
    ['Rollgate (object)', 401, { error: { code: 'AUTH_004', category: 'AUTH', message: 'x' } }, 'AUTH_004'],
    ['Rollgate (string)', 429, { error: 'RateLimitError', message: 'x' }, 'RateLimitError'],
    ['Cuttlegate 500', 500, { error: 'internal_error', message: 'x' }, 'internal_error'],
    ['free text, not a code', 400, { error: 'bad request: the key SECRET is wrong' }, undefined],
    ['no code', 400, { message: 'x' }, undefined],
    ['free text beside a code', 400, { errorCode: 'the key SECRET is wrong', error: { code: 'BAD_KEY' } }, 'BAD_KEY'],
  ])('keeps the code of a %s error body as errorCode', async (_, status, body, code) => {
    const error = await failure(respond(status, JSON.stringify(body)));
    expect((error as RequestError).errorCode).toBe(code);
  });

  it('reads Retry-After into RateLimitError.retryAfterMs', async () => {
    const error = await failure(respond(429, '', { 'Retry-After': '7' }));
    expect((error as RateLimitError).retryAfterMs).toBe(7_000);
  });

  it('rejects a 2xx that is not JSON (a web UI answering with index.html)', async () => {
    const error = await failure(respond(200, '<html></html>', { 'Content-Type': 'text/html' }));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toContain('text/html');
  });

  it('rejects malformed JSON', async () => {
    expect(await failure(respond(200, '{"flags":'))).toBeInstanceOf(InvalidResponseError);
  });

  it('maps connection failures to NetworkError without the query string', async () => {
    const error = await failure(async () => {
      throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    });
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).not.toContain('token');
  });

  it('passes 304 and listed statuses through', async () => {
    const notModified = await firstValueFrom(httpJson(runtime(respond(304)), { url: secretUrl }));
    expect(notModified).toMatchObject({ status: 304, body: undefined });
    const passed = await firstValueFrom(
      httpJson(runtime(respond(404, '{"errorCode":"FLAG_NOT_FOUND"}')), { url: secretUrl, passStatuses: [404] }),
    );
    expect(passed).toMatchObject({ status: 404, body: { errorCode: 'FLAG_NOT_FOUND' } });
  });

  it('times out on the injected scheduler and aborts the request', () => {
    const ts = virtualTime();
    let aborted = false;
    const hanging: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => {
          aborted = true;
          reject(new DOMException('aborted', 'AbortError'));
        });
      });
    ts.run(() => {
      httpJson({ ...runtime(hanging, 5_000), scheduler: ts }, { url: secretUrl }).subscribe({ error: () => undefined });
      ts.schedule(() => expect(aborted).toBe(false), 4_999);
      ts.flush();
      expect(aborted).toBe(true);
    });
  });

  it('reports the timeout as TimeoutError', async () => {
    const hanging: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
    const error = await firstValueFrom(httpJson(runtime(hanging, 20), { url: secretUrl })).catch((e: Error) => e);
    expect(error).toBeInstanceOf(TimeoutError);
  });

  it('fails with TimeoutError at the timeout even when fetch ignores its abort signal', () => {
    const ts = virtualTime();
    const deaf: FetchLike = () => new Promise(() => undefined);
    const failures: Array<[number, unknown]> = [];
    ts.run(() => {
      httpJson({ ...runtime(deaf, 5_000), scheduler: ts }, { url: secretUrl }).subscribe({ error: (e: unknown) => failures.push([ts.now(), e]) });
      ts.flush();
    });
    expect(failures).toHaveLength(1);
    expect(failures[0]![0]).toBe(5_000);
    expect(failures[0]![1]).toBeInstanceOf(TimeoutError);
  });
});
