import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AuthError,
  CircuitOpenError,
  ConfigError,
  InvalidResponseError,
  RateLimitError,
  ServerError,
  createFlagClient,
  rollgate,
  type ClientEvent,
  type FlagClient,
  type FlagClientOptions,
  type Logger,
} from '../../lib/index.js';
import { FakeRollgate, type FakeRollgateFlag } from '../support/fake-rollgate.js';
import { captureLog } from '../support/log-capture.js';

/** Fast retries so recovery specs finish quickly; jitter fixed at the ceiling's half. */
const quickBackoff = { baseMs: 20, capMs: 60, random: () => 0.5 };
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

const typedFlags: FakeRollgateFlag[] = [
  { key: 'enabled-flag', on: true },
  { key: 'disabled-flag', on: false, reason: { kind: 'OFF' } },
  { key: 'pro-only', on: true, reason: { kind: 'RULE_MATCH', ruleId: 'pro-rule', inRollout: true } },
  { key: 'banner-text', on: true, type: 'string', value: 'Welcome' },
  { key: 'max-items', on: true, type: 'number', value: 25 },
  { key: 'config', on: true, type: 'json', value: { theme: 'dark', cols: [1, 2] } },
  { key: 'dark-banner', on: false, type: 'string', value: 'Night', reason: { kind: 'OFF' } },
];
const booleanFlags: FakeRollgateFlag[] = [
  { key: 'enabled-flag', on: true },
  { key: 'disabled-flag', on: false, reason: { kind: 'OFF' } },
];

describe('rollgate transport against a fake server over loopback', () => {
  let fake: FakeRollgate;
  let client: FlagClient | undefined;
  let logLines: string[];
  let logger: Logger;

  const start = async (flags: FakeRollgateFlag[] = typedFlags): Promise<void> => {
    fake = await FakeRollgate.start(flags);
  };

  beforeEach(() => {
    ({ lines: logLines, logger } = captureLog());
  });

  afterEach(async () => {
    client?.close();
    client = undefined;
    await fake.close();
  });

  function makeClient(overrides: Partial<FlagClientOptions> = {}, apiKey = fake.apiKey): FlagClient {
    client = createFlagClient({
      transport: rollgate({ apiKey, baseUrl: fake.url }),
      context: { userId: 'user-1', email: 'a@b.c', attributes: { plan: 'pro', age: 31 } },
      streaming: false,
      pollIntervalMs: 0,
      logger,
      backoff: quickBackoff,
      ...overrides,
    });
    return client;
  }

  const nextEvent = (c: FlagClient, type: ClientEvent['type']): Promise<ClientEvent> =>
    firstValueFrom(c.events$.pipe(filter((event) => event.type === type), timeout(5_000)));

  describe('loads and context', () => {
    beforeEach(() => start());

    it('posts identify, then is ready after exactly one flag request carrying every typed value', async () => {
      const c = makeClient();
      expect(fake.requests).toHaveLength(0);
      expect(await c.ready()).toEqual({ ok: true, source: 'network' });
      expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/v1/sdk/identify', 'GET /api/v1/sdk/v2/flags']);
      const [identify, load] = fake.requests;
      expect(identify!.body).toEqual({ user: { id: 'user-1', email: 'a@b.c', attributes: { plan: 'pro', age: 31 } } });
      expect(load!.authorization).toBe(`Bearer ${fake.apiKey}`);
      expect(load!.query.get('user_id')).toBe('user-1');
      expect(load!.query.get('withReasons')).toBe('true');
      expect(c.string('banner-text', 'none')).toBe('Welcome');
      expect(c.number('max-items', 10)).toBe(25);
      expect(c.json('config', {})).toEqual({ theme: 'dark', cols: [1, 2] });
      expect(c.bool('enabled-flag')).toBe(true);
      expect(c.bool('disabled-flag', true)).toBe(false);
    });

    it('maps v2 false on a typed flag to "no value", and reasons with their rule detail', async () => {
      const c = makeClient();
      await c.ready();
      expect(c.string('dark-banner', 'Day')).toBe('Day');
      expect(c.evaluate('dark-banner')).toMatchObject({ enabled: false, variant: '', value: undefined, reason: 'OFF' });
      expect(c.evaluate('pro-only')).toMatchObject({
        enabled: true,
        variant: 'true',
        value: true,
        reason: 'RULE_MATCH',
        source: 'network',
        details: { ruleId: 'pro-rule', ruleIndex: 0, inRollout: true },
      });
      expect(c.evaluate('enabled-flag').details).toEqual({ ruleIndex: 0, inRollout: false, type: 'boolean' });
      expect(c.evaluate('max-items')).toMatchObject({ variant: '25', value: 25 });
      expect(c.evaluate('config').variant).toBe('{"theme":"dark","cols":[1,2]}');
      expect(c.evaluate('nope')).toMatchObject({ reason: 'not_found', errorCode: 'FLAG_NOT_FOUND' });
      expect(c.string('enabled-flag', 'x')).toBe('x');
    });

    it('identify() posts identify (even with no attributes) before loading the new user', async () => {
      fake.perUser.set('user-2', new Map([['banner-text', { value: 'Hello again' }]]));
      const c = makeClient();
      await c.ready();
      const before = fake.requests.length;
      await c.identify({ userId: 'user-2' });
      expect(fake.requests.slice(before).map((r) => r.path)).toEqual(['/api/v1/sdk/identify', '/api/v1/sdk/v2/flags']);
      expect(fake.requests[before]!.body).toEqual({ user: { id: 'user-2', attributes: {} } });
      expect(fake.requests[before + 1]!.query.get('user_id')).toBe('user-2');
      expect(c.string('banner-text', '')).toBe('Hello again');
    });

    it('while typed flags exist every refresh reads the typed endpoint (a 304 could hide a value change)', async () => {
      const c = makeClient();
      await c.ready();
      fake.set('banner-text', { value: 'Changed' }, false);
      await c.refresh();
      expect(fake.to('flags')).toHaveLength(0);
      expect(c.string('banner-text', '')).toBe('Changed');
    });

    it('evaluateFor() and snapshotFor() for another user post no identify (the main user stays as it was) and never send the main ETag', async () => {
      fake.perUser.set('vip', new Map([['max-items', { value: 99 }]]));
      const c = makeClient();
      await c.ready();
      const before = fake.requests.length;
      expect(await c.evaluateFor('max-items', { userId: 'vip' })).toMatchObject({ value: 99 });
      expect((await c.snapshotFor({ userId: 'vip' })).number('max-items', 0)).toBe(99);
      const after = fake.requests.slice(before);
      expect(after.map((r) => r.path)).toEqual(['/api/v1/sdk/v2/flags', '/api/v1/sdk/v2/flags']);
      expect(after.every((r) => r.ifNoneMatch === undefined)).toBe(true);
      await expect(c.evaluateFor('missing', { userId: 'vip' })).rejects.toMatchObject({ name: 'FlagNotFoundError', key: 'missing' });
    });
  });

  describe('ETag and the boolean endpoint', () => {
    it('with boolean flags only, refreshes go to /flags with If-None-Match and a 304 keeps the values', async () => {
      await start(booleanFlags);
      const c = makeClient();
      await c.ready();
      await c.refresh(); // first boolean load: no validator yet
      const refreshed = nextEvent(c, 'refreshed');
      await c.refresh();
      const flags = fake.to('flags');
      expect(flags).toHaveLength(2);
      expect(flags[0]!.ifNoneMatch).toBeUndefined();
      expect(flags[1]!.ifNoneMatch).toMatch(/^"[0-9a-f]{16}"$/);
      expect(await refreshed).toMatchObject({ changed: 0 });
      expect(c.status.state).toBe('ready');
      expect(c.bool('enabled-flag')).toBe(true);
      expect(c.evaluate('disabled-flag')).toMatchObject({ enabled: false, reason: 'OFF' });

      fake.set('enabled-flag', { on: false }, false);
      await c.refresh();
      expect(fake.to('flags')).toHaveLength(3);
      expect(c.bool('enabled-flag', true)).toBe(false);
    });

    for (const typedEndpoint of [true, false]) {
      it(`a change event's refetch asks in full${typedEndpoint ? '' : ' (/flags, on a server without /v2/flags)'}: the /flags ETag hashes the booleans only, so a 304 would hide a flag switched off for a user already out of its rollout`, async () => {
        await start([{ key: 'rollout', on: false, reason: { kind: 'FALLTHROUGH' } }]);
        fake.typedEndpoint = typedEndpoint;
        const c = makeClient({ streaming: true });
        await c.ready();
        await fake.until(() => fake.openStreams === 1, 'the stream');
        await c.refresh(); // a /flags load: its ETag is kept
        expect(c.evaluate('rollout')).toMatchObject({ enabled: true, reason: 'FALLTHROUGH', value: false });
        const before = fake.flagRequests.length;
        fake.set('rollout', { reason: { kind: 'OFF' } }); // flag-changed {enabled: false}; the boolean stays false
        await firstValueFrom(c.flags$.pipe(filter((snapshot) => snapshot.get('rollout')?.reason === 'OFF'), timeout(5_000)));
        expect(c.evaluate('rollout')).toMatchObject({ enabled: false, reason: 'OFF', value: false });
        expect(c.status).toMatchObject({ state: 'ready', streaming: true });
        const refetch = fake.flagRequests.slice(before);
        expect(refetch.map((request) => [request.path.endsWith('/v2/flags'), request.ifNoneMatch])).toEqual([[typedEndpoint, undefined]]);
      });
    }

    it('a reconnect refetch asks in full with boolean flags only: a reason changed during the stream gap lands', async () => {
      await start([{ key: 'rollout', on: false, reason: { kind: 'FALLTHROUGH' } }]);
      const c = makeClient({ streaming: true });
      await c.ready();
      await fake.until(() => fake.openStreams === 1, 'the stream');
      await c.refresh(); // a /flags load: its ETag is kept
      const before = fake.flagRequests.length;
      fake.set('rollout', { reason: { kind: 'OFF' } }, false); // the boolean stays false: only a full load shows it
      fake.dropStreams();
      await firstValueFrom(c.flags$.pipe(filter((snapshot) => snapshot.get('rollout')?.reason === 'OFF'), timeout(5_000)));
      expect(c.status).toMatchObject({ state: 'ready', streaming: true });
      expect(fake.flagRequests.slice(before).map((request) => [request.path.slice('/api/v1/sdk/'.length), request.ifNoneMatch])).toEqual([['v2/flags', undefined]]);
    });

    it('a reconnect refetch batched with a refresh (asked during its backoff) still asks in full', async () => {
      await start([{ key: 'rollout', on: false, reason: { kind: 'FALLTHROUGH' } }]);
      const c = makeClient({ streaming: true });
      await c.ready();
      await fake.until(() => fake.openStreams === 1, 'the stream');
      await c.refresh(); // a /flags load: its ETag is kept
      const before = fake.flagRequests.length;
      fake.set('rollout', { reason: { kind: 'OFF' } }, false);
      fake.setError({ status: 503, count: 1 });
      // The reconnect's refetch fails; a refresh asked before its retry joins that retry.
      const refreshed = new Promise<unknown>((resolve, reject) => {
        const sub = c.events$.subscribe((event) => {
          if (event.type !== 'error' || !(event.error instanceof ServerError)) return;
          sub.unsubscribe();
          c.refresh().then(resolve, reject);
        });
      });
      fake.dropStreams();
      await refreshed;
      expect(fake.flagRequests.slice(before).map((request) => [request.path.slice('/api/v1/sdk/'.length), request.ifNoneMatch])).toEqual([
        ['v2/flags', undefined],
        ['v2/flags', undefined],
      ]);
      expect(c.evaluate('rollout')).toMatchObject({ enabled: false, reason: 'OFF', value: false });
      expect(c.status).toMatchObject({ state: 'ready', streaming: true });
    });

    it('a change event loads the typed endpoint: a boolean flag given string variations shows its string, which /flags cannot carry', async () => {
      await start(booleanFlags);
      const c = makeClient({ streaming: true });
      await c.ready();
      await fake.until(() => fake.openStreams === 1, 'the stream');
      await c.refresh(); // booleans only: this load goes to /flags
      expect(fake.to('flags')).toHaveLength(1);
      fake.set('enabled-flag', { type: 'string', value: 'Blue' }); // flag-changed; still "on" in the boolean map
      await firstValueFrom(c.string$('enabled-flag', 'default').pipe(filter((v) => v === 'Blue'), timeout(5_000)));
      expect(c.evaluate('enabled-flag')).toMatchObject({ value: 'Blue', enabled: true });
      expect(c.status).toMatchObject({ state: 'ready', streaming: true });
    });

    it('a new flag seen on /flags is followed by one typed load, so its value is real', async () => {
      await start(booleanFlags);
      const c = makeClient();
      await c.ready();
      fake.set('banner-text', { on: true, type: 'string', value: 'Fresh' }, false);
      await c.refresh();
      expect(fake.flagRequests.map((r) => r.path.slice('/api/v1/sdk/'.length))).toEqual(['v2/flags', 'flags', 'v2/flags']);
      expect(c.string('banner-text', '')).toBe('Fresh');
    });

    it('falls back to the boolean map when the server lacks /v2/flags, and says so once', async () => {
      await start(typedFlags);
      fake.typedEndpoint = false;
      const c = makeClient();
      expect(await c.ready()).toMatchObject({ ok: true });
      await c.refresh();
      await c.refresh();
      expect(fake.to('v2/flags')).toHaveLength(1);
      expect(fake.to('flags').map((r) => r.ifNoneMatch === undefined)).toEqual([true, false, false]);
      expect(logLines.filter((line) => line.includes('/api/v1/sdk/v2/flags'))).toHaveLength(1);
      expect(c.bool('banner-text')).toBe(true);
      expect(c.string('banner-text', 'default')).toBe('default');
    });
  });

  describe('errors', () => {
    beforeEach(() => start());

    it('a 401 (JSON sent as text/plain) is an AuthError: ready() resolves ok:false', async () => {
      const c = makeClient({}, 'rg_server_wrong');
      const result = await c.ready();
      expect(result.ok).toBe(false);
      expect(result.error).toBeInstanceOf(AuthError);
      expect((result.error as AuthError).statusCode).toBe(401);
    });

    it('a 200 without flags, or not JSON, is an InvalidResponseError and loses nothing', async () => {
      const c = makeClient();
      await c.ready();
      for (const body of ['{"error":{"code":"ServerError","message":"delayed"}}', '{"flags":{"enabled-flag":{"enabled":"yes"}}}']) {
        fake.rawAnswers.push({ body });
        await expect(c.refresh()).rejects.toBeInstanceOf(InvalidResponseError);
        expect(c.string('banner-text', '')).toBe('Welcome');
        await firstValueFrom(c.status$.pipe(filter((s) => s.state === 'ready'), timeout(5_000)));
      }
      fake.rawAnswers.push({ body: 'oops', contentType: 'text/plain' });
      await expect(c.refresh()).rejects.toBeInstanceOf(InvalidResponseError);
    });

    it('honours a 429 Retry-After before asking again', async () => {
      const c = makeClient();
      await c.ready();
      fake.setError({ status: 429, count: 1, retryAfter: '1' });
      const before = fake.flagRequests.length;
      const started = Date.now();
      await expect(c.refresh()).rejects.toMatchObject({ name: 'RateLimitError', retryAfterMs: 1_000 });
      await fake.until(() => fake.flagRequests.length === before + 2, 'the retry');
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      await firstValueFrom(c.status$.pipe(filter((s) => s.state === 'ready'), timeout(5_000)));
    });

    it('a long Retry-After never holds ready() past its timeout', async () => {
      fake.setError({ status: 429, count: -1, retryAfter: '3600' });
      const c = makeClient();
      const started = Date.now();
      const result = await c.ready({ timeoutMs: 300 });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(result.ok).toBe(false);
      expect(result.error).toBeInstanceOf(RateLimitError);
      expect((result.error as RateLimitError).retryAfterMs).toBe(3_600_000);
      expect(fake.flagRequests).toHaveLength(1);
    });
  });

  describe('circuit breaker', () => {
    beforeEach(() => start());

    it('5xx bursts open it; while open nothing reaches the server; a half-open probe closes it', async () => {
      const c = makeClient({ circuitBreaker: { failureThreshold: 3, windowMs: 10_000, openMs: 400, halfOpenSuccesses: 2 } });
      await c.ready();
      const events: string[] = [];
      c.events$.subscribe((event) => event.type.startsWith('circuit') && events.push(event.type));
      fake.setError({ status: 503, count: -1 });
      const opened = nextEvent(c, 'circuit-open');
      await expect(c.refresh()).rejects.toBeInstanceOf(ServerError);
      await opened;
      const sentWhileClosed = fake.requests.length;
      expect(c.status).toMatchObject({ circuit: 'open', state: 'stale' });
      await expect(c.refresh()).rejects.toBeInstanceOf(CircuitOpenError);
      await expect(c.evaluateFor('max-items', { userId: 'x' })).rejects.toBeInstanceOf(CircuitOpenError);
      await expect(c.flush()).resolves.toBeUndefined(); // nothing buffered, nothing sent
      expect(c.string('banner-text', '')).toBe('Welcome');
      fake.clearError();
      fake.set('banner-text', { value: 'Back' }, false);
      const halfOpen = nextEvent(c, 'circuit-half-open');
      await halfOpen;
      expect(fake.requests.length).toBe(sentWhileClosed);
      // The load the open circuit held back is the first probe.
      await firstValueFrom(c.string$('banner-text', '').pipe(filter((v) => v === 'Back'), timeout(5_000)));
      expect(c.status.circuit).toBe('half-open');
      await c.refresh();
      expect(c.status).toMatchObject({ circuit: 'closed', state: 'ready' });
      expect(events).toEqual(['circuit-open', 'circuit-half-open', 'circuit-closed']);
    });

    it('resetCircuit() closes it at once and runs the held-back load', async () => {
      const c = makeClient({ circuitBreaker: { failureThreshold: 2, openMs: 60_000 } });
      await c.ready();
      fake.setError({ status: 500, count: -1 });
      const opened = nextEvent(c, 'circuit-open');
      await c.refresh().catch(() => undefined);
      await opened;
      await expect(c.refresh()).rejects.toBeInstanceOf(CircuitOpenError);
      fake.clearError();
      fake.set('max-items', { value: 7 }, false);
      const closed = nextEvent(c, 'circuit-closed');
      c.resetCircuit();
      await closed;
      expect(c.status.circuit).toBe('closed');
      await firstValueFrom(c.number$('max-items', 0).pipe(filter((v) => v === 7), timeout(5_000)));
    });

    it('can be turned off: failures then never fail fast', async () => {
      const c = makeClient({ circuitBreaker: false });
      await c.ready();
      fake.setError({ status: 500, count: 6 });
      await expect(c.refresh()).rejects.toBeInstanceOf(ServerError);
      await firstValueFrom(c.status$.pipe(filter((s) => s.state === 'ready'), timeout(5_000)));
      expect(c.status.circuit).toBe('closed');
    });
  });

  describe('stream', () => {
    beforeEach(() => start());

    it('connects with the token in the query, is ready after one flag request, and refetches on flag-changed', async () => {
      const c = makeClient({ streaming: true });
      await c.ready();
      await fake.until(() => fake.openStreams === 1, 'the stream');
      expect(fake.flagRequests).toHaveLength(1);
      const [stream] = fake.to('stream');
      expect(stream!.query.get('token')).toBe(fake.apiKey);
      expect(stream!.query.get('user_id')).toBe('user-1');
      const changed = firstValueFrom(c.string$('banner-text', '').pipe(filter((v) => v === 'Live'), timeout(5_000)));
      fake.set('banner-text', { value: 'Live' });
      await changed;
      fake.send('flag-update', { key: 'enabled-flag', enabled: false });
      fake.set('enabled-flag', { on: false }, false);
      fake.send('flag-update', { key: 'enabled-flag', enabled: false });
      await firstValueFrom(c.bool$('enabled-flag').pipe(filter((v) => !v), timeout(5_000)));
    });

    it('refetches on a stream event whose name it does not know: every event is a change signal (rollgate.md §12)', async () => {
      const c = makeClient({ streaming: true });
      await c.ready();
      await fake.until(() => fake.openStreams === 1, 'the stream');
      fake.set('banner-text', { value: 'Segment' }, false);
      fake.send('segment-updated', { segment: 'beta' });
      await firstValueFrom(c.string$('banner-text', '').pipe(filter((v) => v === 'Segment'), timeout(5_000)));
      expect(c.status).toMatchObject({ state: 'ready', streaming: true });
    });

    it('ignores named keepalive events (ping, heartbeat, keepalive, keep-alive): no refetch per heartbeat', async () => {
      const c = makeClient({ streaming: true });
      await c.ready();
      await fake.until(() => fake.openStreams === 1, 'the stream');
      const before = fake.flagRequests.length;
      fake.write('event: ping\ndata: {}\n\nevent: heartbeat\ndata: {}\n\nevent: keepalive\ndata: ping\n\nevent: keep-alive\ndata:\n\n');
      fake.set('banner-text', { value: 'After' }); // a real change event, after the heartbeats on the same stream
      await firstValueFrom(c.string$('banner-text', '').pipe(filter((v) => v === 'After'), timeout(5_000)));
      await c.refresh(); // lands after every load the frames above asked for
      expect(fake.flagRequests.length - before).toBe(2); // the change event's refetch and the refresh
      expect(c.status).toMatchObject({ state: 'ready', streaming: true });
    });

    it('reconnects after a drop and refetches what changed in the gap', async () => {
      const c = makeClient({ streaming: true });
      await c.ready();
      await fake.until(() => fake.openStreams === 1, 'the stream');
      const events: string[] = [];
      c.events$.subscribe((event) => events.push(event.type));
      fake.set('max-items', { value: 30 }, false);
      fake.set('disabled-flag', { on: true }, false);
      fake.dropStreams();
      await firstValueFrom(c.number$('max-items', 0).pipe(filter((v) => v === 30), timeout(5_000)));
      expect(c.bool('disabled-flag')).toBe(true);
      expect(fake.to('stream').length).toBeGreaterThanOrEqual(2);
      expect(events).toContain('stream-disconnected');
      expect(events).toContain('stream-connected');
    });

    it('keeps a held flag through a stream init: its boolean neither drops nor replaces the last good value', async () => {
      const c = makeClient({ streaming: true });
      await c.ready();
      await fake.until(() => fake.openStreams === 1, 'the stream');
      // The next load rejects banner-text's entry (a number for a string flag): held at 'Welcome'.
      fake.set('banner-text', { value: 5 as unknown as string }, false);
      fake.set('max-items', { value: 30 });
      await firstValueFrom(c.flags$.pipe(filter((s) => s.get('banner-text')?.reason === 'stale'), timeout(5_000)));
      expect(c.number('max-items', 0)).toBe(30);
      // A reconnect's init that differs from the last load on another flag, listing the held one as on;
      // the refetch after it fails once, so the init lands first.
      fake.set('enabled-flag', { on: false }, false);
      fake.setError({ status: 503, count: 1 });
      const before = fake.flagRequests.length;
      fake.dropStreams();
      await firstValueFrom(c.bool$('enabled-flag').pipe(filter((on) => !on), timeout(5_000)));
      // The failed refetch and its retry, landed.
      await firstValueFrom(c.status$.pipe(filter((s) => s.state === 'ready' && fake.flagRequests.length >= before + 2), timeout(5_000)));
      expect(c.evaluate('banner-text')).toMatchObject({ value: 'Welcome', reason: 'stale', source: 'network' });
      expect(c.string('banner-text', 'default')).toBe('Welcome');
      expect(c.status).toMatchObject({ state: 'ready', source: 'network' });
      expect(c.status.error).toBeInstanceOf(InvalidResponseError);
      expect(c.status.error?.message).toContain('banner-text');
    });

    it('keeps polling when the server has no stream endpoint', async () => {
      fake.streamEndpoint = false;
      const c = makeClient({ streaming: true, pollIntervalMs: 1_000 });
      expect(await c.ready()).toMatchObject({ ok: true });
      fake.set('banner-text', { value: 'Polled' }, false);
      await firstValueFrom(c.string$('banner-text', '').pipe(filter((v) => v === 'Polled'), timeout(5_000)));
      await fake.until(
        () => logLines.some((line) => line.includes('refuses the change stream') && line.includes('/api/v1/sdk/stream')),
        'the stream to fall back to polling',
      );
    });
  });

  describe('tracking and telemetry', () => {
    beforeEach(() => start());

    it('track() + flush() posts camelCase events, optional fields omitted when unset', async () => {
      const c = makeClient();
      c.track({ flagKey: 'checkout', eventName: 'purchase', userId: 'u1', variationId: 'b', value: 29.99, metadata: { currency: 'EUR' } });
      c.track({ flagKey: 'checkout', eventName: 'view' });
      await c.flush();
      expect(fake.to('events')).toHaveLength(1);
      expect(fake.to('events')[0]!.authorization).toBe(`Bearer ${fake.apiKey}`);
      expect(fake.events).toEqual([
        { flagKey: 'checkout', eventName: 'purchase', userId: 'u1', variationId: 'b', value: 29.99, metadata: { currency: 'EUR' }, timestamp: expect.stringMatching(RFC3339) },
        { flagKey: 'checkout', eventName: 'view', userId: 'user-1', timestamp: expect.stringMatching(RFC3339) },
      ]);
      expect(Object.keys(fake.events[1] as object)).toEqual(['flagKey', 'eventName', 'userId', 'timestamp']);
    });

    it('sends a full batch at once, in batches of batchSize', async () => {
      const c = makeClient({ tracking: { batchSize: 2, flushIntervalMs: 60_000 } });
      for (let i = 0; i < 5; i += 1) c.track({ flagKey: 'f', eventName: `e${i}` });
      await fake.until(() => fake.events.length === 5, 'all five events');
      expect(fake.to('events').map((r) => (r.body as { events: unknown[] }).events.length)).toEqual([2, 2, 1]);
      expect(fake.events.map((e) => (e as { eventName: string }).eventName)).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
    });

    it('sends a partial batch flushIntervalMs after its first event', async () => {
      const c = makeClient({ tracking: { flushIntervalMs: 150 } });
      const started = Date.now();
      c.track({ flagKey: 'f', eventName: 'one' });
      c.track({ flagKey: 'f', eventName: 'two' });
      await fake.until(() => fake.events.length === 2, 'the interval flush');
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(fake.to('events')).toHaveLength(1);
    });

    it('rejects a bad event with a ConfigError naming the field and loses nothing queued', async () => {
      const c = makeClient();
      c.track({ flagKey: 'f', eventName: 'kept' });
      expect(() => c.track({ flagKey: '', eventName: 'x' })).toThrow(ConfigError);
      expect(() => c.track({ flagKey: 'f', eventName: 'x', value: Number.NaN })).toThrow(/event\.value/);
      expect(() => c.track({ flagKey: 'f', eventName: 'x', userId: '' })).toThrow(/event\.userId/);
      await c.flush();
      expect(fake.events).toHaveLength(1);
    });

    it('a failed post keeps its events; a full buffer drops the oldest and says so', async () => {
      const c = makeClient({ tracking: { maxQueue: 3 } });
      const dropped: number[] = [];
      c.events$.subscribe((event) => event.type === 'events-dropped' && dropped.push(event.dropped));
      fake.sinkFaults.push(503);
      c.track({ flagKey: 'f', eventName: 'e0' });
      await expect(c.flush()).rejects.toBeInstanceOf(ServerError);
      for (let i = 1; i < 5; i += 1) c.track({ flagKey: 'f', eventName: `e${i}` });
      expect(dropped).toEqual([1, 1]);
      expect(logLines.filter((line) => line.includes('dropped'))).toHaveLength(2);
      await c.flush();
      expect(fake.events.map((e) => (e as { eventName: string }).eventName)).toEqual(['e2', 'e3', 'e4']);
    });

    it('counts exactly one evaluation per bool() call, unknown keys included, with integer counts', async () => {
      const c = makeClient();
      await c.ready();
      for (let i = 0; i < 3; i += 1) c.bool('enabled-flag');
      c.bool('disabled-flag');
      c.bool('disabled-flag', true);
      c.bool('missing', true);
      c.bool('missing');
      c.string('banner-text', '');
      c.evaluate('enabled-flag');
      await c.flush();
      expect(fake.telemetry).toHaveLength(1);
      expect(fake.telemetry[0]!.evaluations).toEqual({
        'enabled-flag': { total: 3, true: 3, false: 0 },
        'disabled-flag': { total: 2, true: 0, false: 2 },
        missing: { total: 2, true: 1, false: 1 },
      });
      expect(Number.isInteger(fake.telemetry[0]!.period_ms)).toBe(true);
      await c.flush();
      expect(fake.to('telemetry')).toHaveLength(1); // nothing counted since: nothing sent
    });

    it('merges counts back after a failed telemetry post, and posts on the interval', async () => {
      const c = makeClient({ tracking: { telemetryIntervalMs: 200 } });
      await c.ready();
      fake.sinkFaults.push(500);
      c.bool('enabled-flag');
      await expect(c.flush()).rejects.toBeInstanceOf(ServerError);
      c.bool('enabled-flag');
      await fake.until(() => fake.telemetry.length === 1, 'the interval post');
      expect(fake.telemetry[0]!.evaluations).toEqual({ 'enabled-flag': { total: 2, true: 2, false: 0 } });
    });

    it('close() sends what is buffered, once', async () => {
      const c = makeClient();
      await c.ready();
      c.track({ flagKey: 'f', eventName: 'last' });
      c.bool('enabled-flag');
      c.close();
      await fake.until(() => fake.events.length === 1 && fake.telemetry.length === 1, 'the final flush');
      await expect(c.flush()).rejects.toMatchObject({ name: 'ClosedError' });
    });

    it('close() gives up on a hanging final flush after its bound and aborts the request', async () => {
      fake.hangSinks = true;
      const c = makeClient({ tracking: { closeTimeoutMs: 200 } });
      c.track({ flagKey: 'f', eventName: 'stuck' });
      const started = Date.now();
      c.close();
      await fake.until(() => fake.to('events').length === 1, 'the final post');
      await fake.until(() => fake.abortedPosts === 1, 'the abort');
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
      expect(Date.now() - started).toBeLessThan(2_000);
    });
  });

  describe('secrets', () => {
    beforeEach(() => start());

    it('never puts the API key in errors or log lines, the stream URL included', async () => {
      const c = makeClient({ streaming: true });
      await c.ready();
      await fake.until(() => fake.openStreams === 1, 'the stream');
      const errors: unknown[] = [];
      c.events$.subscribe((e) => e.type === 'error' && errors.push(e.error));
      c.events$.subscribe((e) => e.type === 'stream-disconnected' && e.error && errors.push(e.error));
      fake.streamEndpoint = false;
      fake.dropStreams();
      fake.setError({ status: 500, count: 1 });
      await c.refresh().catch((e: unknown) => errors.push(e));
      fake.rawAnswers.push({ body: 'junk', contentType: 'text/plain' });
      await c.refresh().catch((e: unknown) => errors.push(e));
      // the fallback is logged after the stream's last request, so wait on the log itself
      await vi.waitFor(() => expect(logLines.some((line) => line.includes('refuses the change stream'))).toBe(true), { timeout: 5_000 });
      const wrong = createFlagClient({ transport: rollgate({ apiKey: 'rg_server_wrong_secret', baseUrl: fake.url }), logger });
      const result = await wrong.ready();
      wrong.close();
      errors.push(result.error);
      expect(errors.length).toBeGreaterThanOrEqual(4);
      const text = [...logLines, ...errors.map((e) => `${(e as Error).message} ${(e as Error).stack}`)].join('\n');
      expect(text).toContain('/api/v1/sdk/stream');
      expect(text).not.toContain(fake.apiKey);
      expect(text).not.toContain('token=');
      expect(text).not.toContain('rg_server_wrong_secret');
    });
  });
});
