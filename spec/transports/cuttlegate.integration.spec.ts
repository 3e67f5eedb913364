import { filter, firstValueFrom, take, timeout, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AuthError,
  FlagNotFoundError,
  InvalidResponseError,
  createFlagClient,
  cuttlegate,
  type FlagClient,
  type FlagClientOptions,
  type Logger,
  type StoredFlags,
} from '../../lib/index.js';
import { FakeCuttlegate } from '../support/fake-cuttlegate.js';
import { captureLog } from '../support/log-capture.js';
// Loaded up front, as a cached chunk would be: the client's dynamic import of the store sync then
// settles before the first retry, so the store fallback below does not race the module's load.
import '../../lib/client/features/persistence.js';

/** Fast retries so recovery specs finish quickly; jitter fixed at the ceiling's half. */
const quickBackoff = { baseMs: 20, capMs: 100, random: () => 0.5 };

describe('cuttlegate transport against a fake server over loopback', () => {
  let fake: FakeCuttlegate;
  let client: FlagClient | undefined;
  let logLines: string[];
  let logger: Logger;

  beforeEach(async () => {
    fake = await FakeCuttlegate.start([
      { key: 'dark-mode', enabled: true, value_key: 'true', type: 'bool', reason: 'rule_match' },
      { key: 'banner-text', enabled: true, value_key: 'holiday', type: 'string' },
      { key: 'max-items', enabled: true, value_key: '25', type: 'number' },
      { key: 'layout', enabled: true, value_key: '{"cols":3}', type: 'json' },
      { key: 'broken-number', enabled: true, value_key: 'lots', type: 'number' },
    ]);
    ({ lines: logLines, logger } = captureLog());
  });

  afterEach(async () => {
    client?.close();
    client = undefined;
    await fake.close();
  });

  function makeClient(overrides: Partial<FlagClientOptions> = {}): FlagClient {
    client = createFlagClient({
      transport: cuttlegate({ serverUrl: fake.url, apiKey: fake.apiKey, project: 'demo', environment: 'production' }),
      context: { userId: 'user-1', attributes: { plan: 'pro' } },
      streaming: false,
      pollIntervalMs: 0,
      logger,
      backoff: quickBackoff,
      ...overrides,
    });
    return client;
  }

  const changeOf = (c: FlagClient, key: string, predicate: (value: boolean) => boolean) =>
    firstValueFrom(c.bool$(key).pipe(filter(predicate), timeout(5_000)));

  it('makes no request until used, then is ready after exactly one bulk request', async () => {
    const c = makeClient();
    expect(fake.requests).toHaveLength(0);
    const result = await c.ready();
    expect(result).toEqual({ ok: true, source: 'network' });
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe('/api/v1/projects/demo/environments/production/evaluate');
    expect(request!.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(request!.body).toEqual({ context: { user_id: 'user-1', attributes: { plan: 'pro' } } });
  });

  it('types values by the flag type and reports unparsable variants without throwing', async () => {
    const c = makeClient();
    await c.ready();
    expect(c.bool('dark-mode')).toBe(true);
    expect(c.string('banner-text', 'none')).toBe('holiday');
    expect(c.number('max-items', 10)).toBe(25);
    expect(c.json('layout', {})).toEqual({ cols: 3 });
    expect(c.number('broken-number', 7)).toBe(7);
    expect(c.evaluate('broken-number')).toMatchObject({ variant: 'lots', errorCode: 'PARSE_ERROR' });
    expect(c.evaluate('dark-mode')).toMatchObject({ enabled: true, variant: 'true', value: true, reason: 'rule_match', source: 'network' });
    expect(c.evaluate('missing')).toMatchObject({ reason: 'not_found', errorCode: 'FLAG_NOT_FOUND' });
    expect(c.string('dark-mode', 'fallback')).toBe('fallback');
  });

  it('with streaming, is ready after one request, then refetches on a change so a bool turned off reads false', async () => {
    const c = makeClient({ streaming: true });
    await c.ready();
    await fake.waitForStreams(1);
    expect(fake.bulkCount).toBe(1);
    expect(c.bool('dark-mode')).toBe(true);
    const off = changeOf(c, 'dark-mode', (v) => v === false);
    fake.set('dark-mode', { enabled: false, value_key: 'false', reason: 'disabled' });
    await off;
    expect(c.evaluate('dark-mode')).toMatchObject({ enabled: false, variant: 'false', reason: 'disabled' });
  });

  it('coalesces a burst of stream events into at most one trailing request', async () => {
    const c = makeClient({ streaming: true });
    await c.ready();
    await fake.waitForStreams(1);
    const before = fake.bulkCount;
    fake.delays.set('user-1', 100);
    for (let i = 0; i < 20; i += 1) fake.set('max-items', { value_key: String(100 + i) });
    await firstValueFrom(c.number$('max-items', 0).pipe(filter((v) => v === 119), timeout(5_000)));
    expect(fake.bulkCount - before).toBeLessThanOrEqual(2);
  });

  it('reconnects after the server drops the stream and refetches what changed in the gap', async () => {
    const c = makeClient({ streaming: true });
    await c.ready();
    await fake.waitForStreams(1);
    const events: string[] = [];
    c.events$.subscribe((event) => events.push(event.type));
    fake.set('banner-text', { value_key: 'spring' }, false);
    fake.dropStreams();
    await firstValueFrom(c.string$('banner-text', '').pipe(filter((v) => v === 'spring'), timeout(5_000)));
    expect(fake.streamCount).toBeGreaterThanOrEqual(2);
    expect(events).toContain('stream-disconnected');
    expect(events).toContain('stream-connected');
  });

  it('treats 401 as terminal: keeps last values, reports AuthError, sends nothing more', async () => {
    const c = makeClient({ pollIntervalMs: 1_000 });
    await c.ready();
    fake.faults.push({ status: 401, body: '{"error":"unauthorized","message":"authentication required"}' });
    await expect(c.refresh()).rejects.toBeInstanceOf(AuthError);
    expect(c.status.state).toBe('error');
    expect(c.status.error).toBeInstanceOf(AuthError);
    expect(c.bool('dark-mode')).toBe(true);
    const count = fake.requests.length;
    await expect(c.refresh()).rejects.toBeInstanceOf(AuthError);
    await expect(c.evaluateFor('dark-mode', { userId: 'x' })).rejects.toBeInstanceOf(AuthError);
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // a poll period and more: no poll may fire
    expect(fake.requests.length).toBe(count);
  });

  it('resolves ready() with ok:false and an AuthError for a bad key', async () => {
    const c = createFlagClient({
      transport: cuttlegate({ serverUrl: fake.url, apiKey: 'cg_wrong', project: 'demo', environment: 'production' }),
      streaming: false,
      logger,
    });
    client = c;
    const result = await c.ready();
    expect(result.ok).toBe(false);
    expect(result.error).toBeInstanceOf(AuthError);
    expect((result.error as AuthError).statusCode).toBe(401);
  });

  it('honours Retry-After on 429 before asking again', async () => {
    const c = makeClient();
    await c.ready();
    fake.faults.push({ status: 429, headers: { 'Retry-After': '1' } });
    const started = Date.now();
    await expect(c.refresh()).rejects.toMatchObject({ name: 'RateLimitError', retryAfterMs: 1000 });
    await firstValueFrom(c.status$.pipe(filter((s) => s.state === 'ready'), timeout(5_000)));
    // The retry waited for the server's Retry-After (a lower bound the scheduler guarantees).
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.bulkCount).toBe(3);
  });

  it('retries 5xx with backoff, goes stale meanwhile, and recovers with the last values kept', async () => {
    const c = makeClient();
    await c.ready();
    const states: string[] = [];
    c.status$.subscribe((s) => states.at(-1) !== s.state && states.push(s.state));
    fake.faults.push({ status: 503 }, { status: 500 });
    fake.set('banner-text', { value_key: 'after-outage' }, false);
    await expect(c.refresh()).rejects.toMatchObject({ name: 'ServerError', statusCode: 503 });
    expect(c.string('banner-text', '')).toBe('holiday');
    await firstValueFrom(c.string$('banner-text', '').pipe(filter((v) => v === 'after-outage'), timeout(5_000)));
    expect(states).toEqual(['ready', 'stale', 'ready']);
  });

  it('times out a hanging request and keeps the last values', async () => {
    const c = makeClient({ timeoutMs: 200 });
    await c.ready();
    fake.faults.push({ hang: true });
    await expect(c.refresh()).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(c.bool('dark-mode')).toBe(true);
  });

  it('rejects malformed payloads with InvalidResponseError and loses nothing', async () => {
    const c = makeClient();
    await c.ready();
    for (const fault of [
      { raw: '{"flags": [ {"key": ' },
      { raw: '<html>app</html>', contentType: 'text/html' },
      { raw: '{"flags": "nope"}' },
      { raw: '{"flags": [{"key": "dark-mode"}]}' },
    ]) {
      fake.faults.push(fault);
      await expect(c.refresh()).rejects.toBeInstanceOf(InvalidResponseError);
      expect(c.bool('dark-mode')).toBe(true);
      expect(c.snapshot.size).toBe(5);
      await fake.waitForBulk(fake.bulkCount); // let the backoff retry succeed before the next fault
      await firstValueFrom(c.status$.pipe(filter((s) => s.state === 'ready'), timeout(5_000)));
    }
  });

  it('serves the first entry of a key the payload lists twice, as every transport does', async () => {
    const entry = { enabled: true, value: null, reason: 'default', type: 'bool' };
    fake.faults.push({
      raw: JSON.stringify({ flags: [{ key: 'twice', value_key: 'true', ...entry }, { key: 'twice', value_key: 'false', ...entry }], evaluated_at: '2026-01-01T00:00:00Z' }),
    });
    const c = makeClient();
    expect(await c.ready()).toMatchObject({ ok: true, source: 'network' });
    expect(c.evaluate('twice')).toMatchObject({ value: true, variant: 'true', reason: 'default' });
    expect(c.bool('twice')).toBe(true);
    expect(c.status.state).toBe('ready');
    expect(c.status.error).toBeUndefined();
  });

  it('drops a slow response for the old context when identify() switches', async () => {
    const c = makeClient();
    await c.ready();
    fake.perUser.set('slow-user', new Map([['banner-text', { value_key: 'slow' }]]));
    fake.perUser.set('fast-user', new Map([['banner-text', { value_key: 'fast' }]]));
    fake.delays.set('slow-user', 300);
    const slow = c.identify({ userId: 'slow-user' });
    const fast = c.identify({ userId: 'fast-user' });
    await fast;
    expect(c.string('banner-text', '')).toBe('fast');
    await slow.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 400)); // past the slow response's delay
    expect(c.string('banner-text', '')).toBe('fast');
  });

  it('evaluateFor() asks the single-flag route and rejects unknown keys with FlagNotFoundError', async () => {
    const c = makeClient();
    const result = await c.evaluateFor('banner-text', { userId: 'someone' });
    expect(result).toMatchObject({ key: 'banner-text', variant: 'holiday', value: 'holiday', source: 'network' });
    await expect(c.evaluateFor('nope', { userId: 'someone' })).rejects.toBeInstanceOf(FlagNotFoundError);
  });

  it('snapshotFor() costs one request per distinct context and is invalidated by a stream change', async () => {
    const c = makeClient({ streaming: true });
    await c.ready();
    await fake.waitForStreams(1);
    const before = fake.bulkCount;
    const a = await c.snapshotFor({ userId: 'u9', attributes: { a: '1', b: '2' } });
    const again = await c.snapshotFor({ attributes: { b: '2', a: '1' }, userId: 'u9' });
    expect(again).toBe(a);
    expect(fake.bulkCount - before).toBe(1);
    const changed = firstValueFrom(c.changes$.pipe(take(1), timeout(5_000)));
    fake.set('banner-text', { value_key: 'new' });
    await changed;
    const fresh = await c.snapshotFor({ userId: 'u9', attributes: { a: '1', b: '2' } });
    expect(fresh).not.toBe(a);
    expect(fresh.string('banner-text', '')).toBe('new');
  });

  it('falls back to the store when the first load fails, and saves after a load', async () => {
    const saved: StoredFlags[] = [];
    const stored: Omit<StoredFlags, 'scope'> = {
      version: 1,
      savedAt: '2026-01-01T00:00:00.000Z',
      flags: [{ key: 'dark-mode', enabled: true, variant: 'false', value: false, reason: 'default', evaluatedAt: 'x', source: 'network' }],
    };
    fake.faults.push({ status: 503 });
    // the store hands back a record of the scope it is asked for (the transport's identity + context)
    const c = makeClient({ store: { save: async (d) => void saved.push(d), load: async (scope) => ({ ...stored, scope }) } });
    const result = await c.ready();
    expect(result.ok).toBe(true);
    expect(result.source).toBe('store');
    expect(c.evaluate('dark-mode')).toMatchObject({ value: false, reason: 'cached', source: 'store' });
    // Serving a stored record is serving last known values: stale, not an error with nothing to show.
    expect(c.status).toMatchObject({ state: 'stale', source: 'store' });
    await firstValueFrom(c.bool$('dark-mode').pipe(filter((v) => v), timeout(5_000)));
    // saves are debounced (1 s) and off the read path
    await vi.waitFor(() => expect(saved.at(-1)?.flags.map((f) => f.key)).toContain('dark-mode'), { timeout: 5_000 });
    expect(c.status.source).toBe('network');
  });

  it('close() ends flag$ streams and iterables, and the server sees every socket closed', async () => {
    const c = makeClient({ streaming: true, pollIntervalMs: 1_000 });
    await c.ready();
    await fake.waitForStreams(1);
    const completed = firstValueFrom(c.flag$('dark-mode').pipe(toArray()));
    const iterated: boolean[] = [];
    const loop = (async () => {
      for await (const value of c.values('dark-mode', false)) iterated.push(value);
    })();
    c.close();
    c.close();
    await loop;
    expect((await completed).length).toBeGreaterThan(0);
    expect(iterated.length).toBeLessThanOrEqual(1);
    expect(c.status.state).toBe('closed');
    expect(await c.ready()).toMatchObject({ ok: false, error: { name: 'ClosedError' } });
    await expect.poll(() => fake.openStreams, { timeout: 5_000 }).toBe(0);
  });

  it('never puts the API key in errors or log lines', async () => {
    const c = makeClient({ streaming: true });
    await c.ready();
    fake.faults.push({ status: 500 }, { raw: 'junk', contentType: 'text/plain' }, { status: 401 });
    const errors: unknown[] = [];
    c.events$.subscribe((e) => e.type === 'error' && errors.push(e.error));
    await c.refresh().catch((e: unknown) => errors.push(e));
    await firstValueFrom(c.status$.pipe(filter((s) => s.state === 'error'), timeout(5_000)));
    expect(errors.length).toBeGreaterThan(0);
    const text = [...logLines, ...errors.map((e) => `${(e as Error).message} ${(e as Error).stack}`)].join('\n');
    expect(text).not.toContain(fake.apiKey);
    expect(text).not.toContain(fake.apiKey.slice(3, 20));
  });
});
