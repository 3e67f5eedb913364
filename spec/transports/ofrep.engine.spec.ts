/**
 * OFREP behaviour that needs the client engine's side of the transport contract: `LoadResult.invalid`
 * (keep the last good value of a rejected item) and `streamFollowsLoad` (load first, then stream,
 * without waiting for a stream to open). The transport's side is asserted directly; the client-level
 * expectations are `it.fails` until the engine honours these fields, and become plain `it` then.
 */
import { asyncScheduler, filter, firstValueFrom, timeout } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidResponseError, createFlagClient, ofrep, type FlagClient, type FlagClientOptions } from '../../lib/index.js';
import { FakeOfrep, exampleItems } from '../support/fake-ofrep.js';
import { captureLog } from '../support/log-capture.js';

describe('ofrep and the client engine', () => {
  let fake: FakeOfrep;
  let client: FlagClient | undefined;

  beforeEach(async () => {
    fake = await FakeOfrep.start(exampleItems());
  });

  afterEach(async () => {
    client?.close();
    client = undefined;
    await fake.close();
  });

  function makeClient(overrides: Partial<FlagClientOptions> = {}): FlagClient {
    client = createFlagClient({
      transport: ofrep({ baseUrl: fake.url, apiKey: fake.apiKey }),
      context: { userId: 'user-1' },
      streaming: false,
      pollIntervalMs: 0,
      logger: captureLog().logger,
      backoff: { baseMs: 20, capMs: 100, random: () => 0.5 },
      ...overrides,
    });
    return client;
  }

  it('a load lists a wrong-type item under LoadResult.invalid and applies the rest', async () => {
    fake.set({ key: 'max-items', value: 50, reason: 7 });
    const session = ofrep({ baseUrl: fake.url, apiKey: fake.apiKey }).connect({
      fetch: (input, init) => fetch(input, init),
      timeoutMs: 2_000,
      logger: captureLog().logger,
      scheduler: asyncScheduler,
    });
    const result = await firstValueFrom(session.load({ userId: 'user-1' }, { trigger: 'initial' }));
    if (result.kind !== 'flags') throw new Error(`expected flags, got ${result.kind}`);
    expect(result.flags.map((flag) => flag.key)).not.toContain('max-items');
    expect(result.flags).toHaveLength(5);
    expect(result.invalid).toHaveLength(1);
    expect(result.invalid![0]!.key).toBe('max-items');
    expect(result.invalid![0]!.error).toBeInstanceOf(InvalidResponseError);
    expect(result.invalid![0]!.error.message).toContain('"max-items"');
  });

  it('a session with sse says its stream follows a load; polling and none have no stream', () => {
    const runtime = { fetch, timeoutMs: 1_000, logger: captureLog().logger, scheduler: asyncScheduler };
    const sse = ofrep({ baseUrl: fake.url, changeDetection: 'sse' }).connect(runtime);
    expect(sse.streamFollowsLoad).toBe(true);
    expect(sse.stream).toBeTypeOf('function');
    for (const mode of ['polling', 'none'] as const) {
      const session = ofrep({ baseUrl: fake.url, changeDetection: mode }).connect(runtime);
      expect(session.stream).toBeUndefined();
      expect(session.streamFollowsLoad).toBeUndefined();
    }
  });

  it.fails('the client keeps the last good value of an item that turns invalid, and reports the error', async () => {
    const c = makeClient();
    await c.ready();
    const errors: Error[] = [];
    c.events$.subscribe((event) => {
      if (event.type === 'error') errors.push(event.error);
    });
    fake.set({ key: 'max-items', value: 'lots', reason: 7 });
    fake.set({ key: 'theme-color', value: 'green', reason: 'STATIC' });
    await c.refresh();
    expect(c.string('theme-color', '')).toBe('green');
    expect(c.number('max-items', 0)).toBe(25);
    expect(errors.some((error) => error instanceof InvalidResponseError)).toBe(true);
  });

  it.fails('with streaming on, ready() needs one request and no wait for a stream; the stream opens after it', async () => {
    fake.eventStreams = [fake.urlEntry('a')];
    const c = makeClient({ streaming: true });
    const started = Date.now();
    expect(await c.ready()).toEqual({ ok: true, source: 'network' });
    expect(Date.now() - started).toBeLessThan(500);
    expect(fake.bulkRequests).toHaveLength(1);
    await firstValueFrom(c.status$.pipe(filter((status) => status.streaming), timeout(5_000)));
    expect(fake.requests[0]!.path).toBe('/ofrep/v1/evaluate/flags');
  });
});
