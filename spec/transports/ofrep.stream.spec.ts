import { asyncScheduler, filter, firstValueFrom, lastValueFrom, timeout } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthError, ServerError, createFlagClient, ofrep, type ClientEvent, type FlagClient, type FlagClientOptions, type OfrepOptions } from '../../lib/index.js';
import { FakeOfrep, STREAM_TOKEN, exampleItems } from '../support/fake-ofrep.js';
import { captureLog, type LogCapture } from '../support/log-capture.js';

const quickBackoff = { baseMs: 20, capMs: 100, random: () => 0.5 };

describe('ofrep event streams against a strict fake server over loopback', () => {
  let fake: FakeOfrep;
  let other: FakeOfrep | undefined;
  let client: FlagClient | undefined;
  let log: LogCapture;
  let events: ClientEvent[];

  beforeEach(async () => {
    fake = await FakeOfrep.start(exampleItems());
    fake.eventStreams = [fake.urlEntry('a'), fake.endpointEntry('b')];
    log = captureLog();
    events = [];
  });

  afterEach(async () => {
    client?.close();
    client = undefined;
    await fake.close();
    await other?.close();
    other = undefined;
  });

  function makeClient(overrides: Partial<FlagClientOptions> = {}, transport: Partial<OfrepOptions> = {}): FlagClient {
    client = createFlagClient({
      transport: ofrep({ baseUrl: fake.url, apiKey: fake.apiKey, changeDetection: 'sse', ...transport }),
      context: { userId: 'user-1' },
      pollIntervalMs: 0,
      logger: log.logger,
      backoff: quickBackoff,
      ...overrides,
    });
    client.events$.subscribe((event) => events.push(event));
    return client;
  }

  /** Ready, both streams open, and the refetch that follows their opening answered. */
  async function streaming(streams = 2): Promise<FlagClient> {
    const c = makeClient();
    await c.ready();
    await fake.waitForOpenStreams(streams);
    await firstValueFrom(c.status$.pipe(filter((status) => status.streaming), timeout(5_000)));
    await settled();
    return c;
  }

  /** Resolves once no request has arrived for 100 ms. */
  async function settled(): Promise<void> {
    let seen = -1;
    while (seen !== fake.requests.length) {
      seen = fake.requests.length;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const valueOf = (c: FlagClient, key: string, wanted: number) =>
    firstValueFrom(c.number$(key, 0).pipe(filter((value) => value === wanted), timeout(5_000)));

  it('loads first, then opens every advertised stream (url and endpoint forms) with the headers on the same origin', async () => {
    const c = await streaming();
    expect(fake.requests[0]!.path).toBe('/ofrep/v1/evaluate/flags');
    expect(fake.streamRequests.map((r) => r.path).sort()).toEqual(['/ofrep/v1/sse/a', '/ofrep/v1/sse/b']);
    for (const request of fake.streamRequests) {
      expect(request.query.token).toBe(STREAM_TOKEN);
      expect(request.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    }
    expect(c.status.streaming).toBe(true);
    expect(events.map((e) => e.type)).toContain('stream-connected');
    // The load, then one refetch once both streams are open.
    expect(fake.bulkRequests).toHaveLength(2);
  });

  it('with streaming on, ready() needs one request and no wait for a stream; the stream opens after it', async () => {
    fake.eventStreams = [fake.urlEntry('a')];
    const c = makeClient();
    const started = Date.now();
    expect(await c.ready()).toEqual({ ok: true, source: 'network' });
    // No wait for a stream to open first (an engine that waits for it takes a second).
    expect(Date.now() - started).toBeLessThan(900);
    expect(fake.bulkRequests).toHaveLength(1);
    await firstValueFrom(c.status$.pipe(filter((status) => status.streaming), timeout(5_000)));
    expect(fake.requests[0]!.path).toBe('/ofrep/v1/evaluate/flags');
  });

  it('refetches on refetchEvaluation with flagConfig* parameters, and sends them on no other request', async () => {
    const c = await streaming();
    const before = fake.bulkRequests.length;
    const updated = valueOf(c, 'max-items', 40);
    fake.change(() => fake.set({ key: 'max-items', value: 40, reason: 'SPLIT' }));
    await updated;
    await settled();
    // Both streams announced the change: one request.
    expect(fake.bulkRequests.length - before).toBe(1);
    const triggered = fake.bulkRequests[before]!;
    expect(triggered.query).toEqual({ flagConfigEtag: `"cfg-${fake.configVersion}"`, flagConfigLastModified: String(1_771_622_800 + fake.configVersion) });
    expect(triggered.headers['if-none-match']).toBeDefined();
    await c.refresh();
    const untriggered = fake.bulkRequests.filter((request) => request !== triggered);
    expect(untriggered.length).toBeGreaterThanOrEqual(3);
    for (const request of untriggered) expect(request.query).toEqual({});
  });

  it('routes on data.type whatever the SSE event name; unknown types and bad data are ignored and logged without the URL', async () => {
    const c = await streaming();
    fake.eventName = 'refetchEvaluation';
    const renamed = valueOf(c, 'max-items', 41);
    fake.change(() => fake.set({ key: 'max-items', value: 41, reason: 'SPLIT' }));
    await renamed;
    fake.eventName = undefined;
    const unnamed = valueOf(c, 'max-items', 42);
    fake.change(() => fake.set({ key: 'max-items', value: 42, reason: 'SPLIT' }));
    await unnamed;
    // A vendor's own event name: still routed on data.type (ofrep.md §9.2).
    fake.eventName = 'config-update';
    const vendorNamed = valueOf(c, 'max-items', 43);
    fake.change(() => fake.set({ key: 'max-items', value: 43, reason: 'SPLIT' }));
    await vendorNamed;
    expect(c.status).toMatchObject({ state: 'ready', streaming: true });
    fake.eventName = undefined;
    await settled();
    const count = fake.bulkRequests.length;
    fake.send('{"type":"configurationChanged","etag":"x"}');
    fake.send('not json');
    fake.send('{"type":\n"refetch');
    await fake.waitFor(() => log.lines.length >= 6); // three frames on each of the two streams
    await settled();
    expect(fake.bulkRequests.length).toBe(count);
    expect(log.lines.filter((line) => line.includes('unknown type "configurationChanged"'))).toHaveLength(2);
    expect(log.lines.filter((line) => line.includes('not a JSON event'))).toHaveLength(4);
    expect(log.lines.join('\n')).not.toContain(STREAM_TOKEN);
    expect(log.lines.join('\n')).not.toContain('?');
  });

  it('drops named keepalive events (ping, heartbeat, keepalive, keep-alive) silently: no warning, no refetch', async () => {
    const c = await streaming();
    const count = fake.bulkRequests.length;
    for (const [name, data] of [['ping', '{}'], ['heartbeat', '{}'], ['keepalive', 'ping'], ['keep-alive', '']] as const) {
      fake.eventName = name;
      fake.send(data);
    }
    fake.eventName = undefined;
    const updated = valueOf(c, 'max-items', 44); // a real event after the keepalives on each stream
    fake.change(() => fake.set({ key: 'max-items', value: 44, reason: 'SPLIT' }));
    await updated;
    await settled();
    expect(fake.bulkRequests.length - count).toBe(1);
    expect(log.lines).toEqual([]);
    expect(c.status).toMatchObject({ state: 'ready', streaming: true });
  });

  it('an event-stream URL with a credential in its path shows only its origin: in warnings and in stream errors', async () => {
    const secret = 'path-secret-91ab7c';
    fake.eventStreams = [{ type: 'sse', url: `${fake.url}/ofrep/v1/sse/${secret}?channel=c1` }];
    const c = await streaming(1);
    fake.send('not json');
    await fake.waitFor(() => log.lines.length >= 1);
    fake.streamFaults.push({ status: 500 });
    fake.dropStreams();
    const failed = firstValueFrom(c.events$.pipe(filter((event) => event.type === 'stream-disconnected' && event.error !== undefined), timeout(5_000)));
    const { error } = (await failed) as { error: Error };
    await fake.waitForOpenStreams(1);
    const shown = [...log.lines, error.message, String(error.stack), JSON.stringify(c.status.error ?? null), JSON.stringify(events)].join('\n');
    expect(log.lines.some((line) => line.includes(fake.url))).toBe(true);
    expect(shown).not.toContain(secret);
  });

  it('a burst of events costs one refetch beyond any in flight, and the snapshot ends on the last state', async () => {
    fake.eventStreams = [fake.urlEntry('a')];
    const c = await streaming(1);
    const before = fake.bulkRequests.length;
    const last = valueOf(c, 'max-items', 119);
    fake.change(() => {
      for (let i = 0; i < 20; i += 1) {
        fake.set({ key: 'max-items', value: 100 + i, reason: 'SPLIT' });
        fake.push({ etag: `"burst-${i}"` });
      }
    }, false);
    await last;
    await settled();
    expect(fake.bulkRequests.length - before).toBeLessThanOrEqual(2);
    expect(fake.bulkRequests.at(-1)!.query.flagConfigEtag).toBe('"burst-19"');
  });

  it('reconnects after the server drops the streams and refetches a change made while they were down', async () => {
    const c = await streaming();
    const opened = fake.streamRequests.length;
    fake.change(() => fake.set({ key: 'max-items', value: 77, reason: 'SPLIT' }), false);
    const caughtUp = valueOf(c, 'max-items', 77);
    fake.dropStreams();
    await caughtUp;
    await fake.waitForOpenStreams(2);
    expect(fake.streamRequests.length).toBeGreaterThanOrEqual(opened + 2);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['stream-disconnected', 'stream-connected']));
    const disconnected = events.find((e) => e.type === 'stream-disconnected') as { error?: Error } | undefined;
    expect(disconnected?.error?.message ?? '').not.toContain(STREAM_TOKEN);
  });

  it('keeps the connections while a load repeats the same set, replaces them when it differs, closes them when none', async () => {
    const c = await streaming();
    const opened = fake.streamRequests.length;
    fake.change(() => fake.set({ key: 'max-items', value: 5, reason: 'SPLIT' }));
    await valueOf(c, 'max-items', 5);
    await settled();
    expect(fake.streamRequests.length).toBe(opened);
    expect(fake.openStreams).toBe(2);

    fake.change(() => (fake.eventStreams = [fake.urlEntry('c')]), false);
    await c.refresh();
    await fake.waitFor(() => fake.openStreams === 1 && fake.streamRequests.at(-1)!.path === '/ofrep/v1/sse/c');
    expect(fake.streamRequests.length).toBe(opened + 1);

    fake.change(() => (fake.eventStreams = undefined), false);
    await c.refresh();
    await fake.waitFor(() => fake.openStreams === 0);
  });

  it('follows the latest answer: a context first answered without eventStreams streams once one announces them, stops when removed, starts again', async () => {
    fake.eventStreams = undefined;
    const c = makeClient();
    await c.ready();
    await settled();
    expect([fake.streamRequests.length, c.status.streaming]).toEqual([0, false]);

    fake.change(() => (fake.eventStreams = [fake.urlEntry('a')]), false);
    await c.refresh();
    await fake.waitForOpenStreams(1);
    await firstValueFrom(c.status$.pipe(filter((status) => status.streaming), timeout(5_000)));
    fake.change(() => fake.set({ key: 'max-items', value: 7, reason: 'SPLIT' }));
    await valueOf(c, 'max-items', 7);

    fake.change(() => (fake.eventStreams = undefined), false);
    await c.refresh();
    await fake.waitFor(() => fake.openStreams === 0);
    // Not streaming, and not an error: the server announced no stream.
    await firstValueFrom(c.status$.pipe(filter((status) => !status.streaming), timeout(5_000)));
    expect(c.status).toMatchObject({ state: 'ready', streaming: false });
    expect(c.status.error).toBeUndefined();

    fake.change(() => (fake.eventStreams = [fake.endpointEntry('b')]), false);
    await c.refresh();
    await fake.waitFor(() => fake.openStreams === 1 && fake.streamRequests.at(-1)!.path === '/ofrep/v1/sse/b');
    await firstValueFrom(c.status$.pipe(filter((status) => status.streaming), timeout(5_000)));
    expect(fake.streamRequests.map((request) => request.path)).toEqual(['/ofrep/v1/sse/a', '/ofrep/v1/sse/b']);
    expect(events.filter((event) => event.type === 'error')).toEqual([]);
  });

  it('sends the configured headers only to the base URL origin, never to a stream on another origin', async () => {
    other = await FakeOfrep.start([]);
    fake.eventStreams = [other.urlEntry('x')];
    makeClient();
    await client!.ready();
    await other.waitForOpenStreams(1);
    expect(other.streamRequests[0]!.headers.authorization).toBeUndefined();
    expect(other.streamRequests[0]!.query.token).toBe(STREAM_TOKEN);
  });

  // The URL of a stream on another origin authenticates with its own token (no configured header goes
  // there), which the server may rotate: a refusal means "ask for a new URL", not a revoked key.
  it('a stream on another origin that refuses its URL (a rotated token) is not terminal: the client refetches and streams on the new URL', async () => {
    other = await FakeOfrep.start([]);
    fake.eventStreams = [{ type: 'sse', url: `${other.url}/ofrep/v1/sse/x?token=rotated-away` }];
    makeClient();
    await client!.ready();
    await other.waitFor(() => other!.streamRequests.length >= 1);
    fake.eventStreams = [other.urlEntry('x')];
    await other.waitForOpenStreams(1);
    await firstValueFrom(client!.status$.pipe(filter((status) => status.streaming), timeout(5_000)));
    expect(client!.status).toMatchObject({ state: 'ready', streaming: true });
    expect(client!.status.error).toBeUndefined();
    expect(other.streamRequests.map((request) => request.query.token)).toEqual(['rotated-away', STREAM_TOKEN]);
    expect(fake.bulkRequests.length).toBeGreaterThanOrEqual(2);
    const refused = events.find((event) => event.type === 'error') as { error?: Error } | undefined;
    expect(refused?.error).not.toBeInstanceOf(AuthError);
    expect(refused?.error?.message ?? '').not.toContain('rotated-away');
  });

  it('with polling, ignores eventStreams and polls with If-None-Match; with none, never streams', async () => {
    for (const mode of ['polling', 'none'] as const) {
      makeClient({ pollIntervalMs: mode === 'polling' ? 1_000 : 0 }, { changeDetection: mode });
      await client!.ready();
      if (mode === 'polling') await fake.waitForBulk(2);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(fake.streamRequests).toHaveLength(0);
      expect(client!.status.streaming).toBe(false);
      client!.close();
    }
    expect(fake.bulkRequests[1]!.headers['if-none-match']).toBeDefined();
  });

  it('treats a 401 on an event-triggered refetch as terminal: streams closed, last values kept', async () => {
    const c = await streaming();
    fake.faults.push({ status: 401 });
    fake.push({ etag: '"cfg-9"' });
    await firstValueFrom(c.status$.pipe(filter((status) => status.error instanceof AuthError), timeout(5_000)));
    await fake.waitFor(() => fake.openStreams === 0);
    expect(c.status).toMatchObject({ state: 'error', streaming: false });
    expect(c.number('max-items', 0)).toBe(25);
  });

  it('never puts the stream URL (it may carry a token) in a log line or an error', async () => {
    fake.eventStreams = [fake.urlEntry('a'), { type: 'sse', endpoint: { requestUri: `no-slash?token=${STREAM_TOKEN}` } }];
    // Through the client: a warning for the malformed entry, an error when the stream drops.
    await streaming(1);
    fake.dropStreams();
    await fake.waitForOpenStreams(1);
    // Through the session: the error of a stream the server refuses.
    const session = ofrep({ baseUrl: fake.url, apiKey: fake.apiKey }).connect({
      fetch: (input, init) => fetch(input, init),
      timeoutMs: 2_000,
      logger: log.logger,
      scheduler: asyncScheduler,
    });
    await firstValueFrom(session.load({ userId: 'user-1' }, { trigger: 'initial' }));
    fake.streamFaults.push({ status: 500 });
    const refused = await lastValueFrom(session.stream!({ userId: 'user-1' })).then(
      () => new Error('the stream did not fail'),
      (error: unknown) => error as Error,
    );
    expect(refused).toBeInstanceOf(ServerError);
    const errors = [refused, ...events.flatMap((event) => ('error' in event && event.error ? [event.error] : []))];
    expect(errors.length).toBeGreaterThan(1);
    expect(log.lines.some((line) => line.includes('eventStreams entry 2'))).toBe(true);
    for (const text of [...log.lines, ...errors.flatMap((error) => [error.message, error.stack ?? ''])]) {
      expect(text).not.toContain(STREAM_TOKEN);
      expect(text).not.toContain('token=');
    }
  });
});
