import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AuthError,
  FlagNotFoundError,
  InvalidResponseError,
  RequestError,
  createFlagClient,
  ofrep,
  type FlagClient,
  type FlagClientOptions,
  type OfrepOptions,
} from '../../lib/index.js';
import { FakeOfrep, exampleItems } from '../support/fake-ofrep.js';
import { captureLog, type LogCapture } from '../support/log-capture.js';

/** Fast retries so recovery specs finish quickly; jitter fixed at the ceiling's half. */
const quickBackoff = { baseMs: 20, capMs: 100, random: () => 0.5 };

describe('ofrep transport against a strict fake server over loopback', () => {
  let fake: FakeOfrep;
  let client: FlagClient | undefined;
  let log: LogCapture;

  beforeEach(async () => {
    fake = await FakeOfrep.start(exampleItems());
    log = captureLog();
  });

  afterEach(async () => {
    client?.close();
    client = undefined;
    vi.unstubAllEnvs();
    await fake.close();
  });

  function makeClient(overrides: Partial<FlagClientOptions> = {}, transport: Partial<OfrepOptions> = {}): FlagClient {
    client = createFlagClient({
      transport: ofrep({ baseUrl: fake.url, apiKey: fake.apiKey, changeDetection: 'none', ...transport }),
      context: { userId: 'user-123', email: 'a@b.c', attributes: { plan: 'pro', age: 31 } },
      streaming: false,
      pollIntervalMs: 0,
      logger: log.logger,
      backoff: quickBackoff,
      ...overrides,
    });
    return client;
  }

  it('makes no request until used, then is ready after exactly one bulk POST with the flattened context', async () => {
    const c = makeClient();
    expect(fake.requests).toHaveLength(0);
    expect(await c.ready()).toEqual({ ok: true, source: 'network' });
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/ofrep/v1/evaluate/flags', query: {} });
    expect(request!.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['if-none-match']).toBeUndefined();
    expect(request!.body).toEqual({ context: { targetingKey: 'user-123', email: 'a@b.c', plan: 'pro', age: 31 } });
  });

  it('serves the values per the mapping table: code defaults, per-flag failures and missing keys never invent a value', async () => {
    const c = makeClient();
    await c.ready();
    expect(c.bool('discount-banner')).toBe(true);
    expect(c.string('theme-color', 'red')).toBe('blue');
    expect(c.number('max-items', 10)).toBe(25);
    expect(c.json('layout', {})).toEqual({ cols: 3 });
    expect(c.evaluate('discount-banner')).toMatchObject({ variant: 'enabled', reason: 'TARGETING_MATCH', enabled: true, details: { team: 'shop' } });
    // Code default: the caller's default applies, the server's reason is kept.
    expect(c.bool('new-feature', true)).toBe(true);
    expect(c.string('new-feature', 'fallback')).toBe('fallback');
    expect(c.evaluate('new-feature')).toMatchObject({ value: undefined, reason: 'DISABLED', enabled: false, variant: '' });
    // Per-flag failure: an entry with errorCode, not a failed load.
    expect(c.status.state).toBe('ready');
    expect(c.number('broken-flag', 7)).toBe(7);
    expect(c.evaluate('broken-flag')).toMatchObject({ errorCode: 'PARSE_ERROR', reason: 'ERROR', enabled: false });
    expect(c.evaluate('missing')).toMatchObject({ errorCode: 'FLAG_NOT_FOUND' });
    expect(c.string('discount-banner', 'x')).toBe('x');
  });

  it('sends the ETag back on every re-request: 304 keeps the snapshot, 200 replaces it (removed keys disappear)', async () => {
    const c = makeClient();
    await c.ready();
    const etag = fake.requests[0]!.headers['if-none-match'];
    expect(etag).toBeUndefined();
    const changes: string[] = [];
    c.changes$.subscribe((change) => changes.push(change.key));
    const before = c.snapshot;
    await c.refresh();
    expect(fake.bulkRequests[1]!.headers['if-none-match']).toMatch(/^"[0-9a-f]{16}"$/);
    expect(c.snapshot).toBe(before);
    expect(changes).toEqual([]);

    fake.remove('theme-color');
    fake.set({ key: 'max-items', value: 50, reason: 'SPLIT', variant: 'c' });
    await c.refresh();
    expect(changes.sort()).toEqual(['max-items', 'theme-color']);
    expect(c.snapshot.has('theme-color')).toBe(false);
    expect(c.number('max-items', 0)).toBe(50);
    await c.refresh();
    expect(fake.bulkRequests[3]!.headers['if-none-match']).not.toBe(fake.bulkRequests[1]!.headers['if-none-match']);
  });

  it('the client keeps the last good value of an item that turns invalid, and reports the error', async () => {
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

  it('a 304 to the payload that rejected an item keeps the error in status: the item is still at its last good value', async () => {
    const c = makeClient();
    await c.ready();
    fake.set({ key: 'max-items', value: 'lots', reason: 7 });
    await c.refresh();
    const rejected = c.status.error;
    expect(rejected).toBeInstanceOf(InvalidResponseError);
    await c.refresh();
    expect(fake.bulkRequests.at(-1)!.headers['if-none-match']).toBeDefined();
    expect(c.number('max-items', 0)).toBe(25);
    expect(c.status).toMatchObject({ state: 'ready', error: rejected });
    // The item repaired: the next payload takes it and the error goes.
    fake.set({ key: 'max-items', value: 30, reason: 'STATIC' });
    await c.refresh();
    expect(c.number('max-items', 0)).toBe(30);
    expect(c.status.error).toBeUndefined();
  });

  it('an item invalid in a new context’s first load keeps no value of the last context: it is missing until one loads', async () => {
    fake.perUser.set('user-b', new Map([['theme-color', { key: 'theme-color', value: 'green', reason: 'STATIC', variant: 7 }]]));
    const c = makeClient();
    await c.ready();
    expect(c.string('theme-color', 'none')).toBe('blue');
    await c.identify({ userId: 'user-b' });
    expect(c.string('theme-color', 'none')).toBe('none');
    expect(c.status.error).toBeInstanceOf(InvalidResponseError);
    expect(c.bool('discount-banner')).toBe(true); // the valid items apply
  });

  it('rejects a body that is not the bulk shape as InvalidResponseError and keeps the last values', async () => {
    const c = makeClient();
    await c.ready();
    fake.faults.push({ raw: '{"flags":{"a":true}}' });
    await expect(c.refresh()).rejects.toBeInstanceOf(InvalidResponseError);
    expect(c.bool('discount-banner')).toBe(true);
  });

  it('treats a bulk 400 as a failed request: typed error naming the code, values kept, no retry loop', async () => {
    const c = makeClient();
    await c.ready();
    fake.faults.push({ status: 400, body: { errorCode: 'INVALID_CONTEXT', errorDetails: 'plan must be a string' } });
    const error = await c.refresh().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RequestError);
    expect(error).toMatchObject({ statusCode: 400, errorCode: 'INVALID_CONTEXT' });
    expect((error as Error).message).toContain('INVALID_CONTEXT: plan must be a string (HTTP 400)');
    expect(c.bool('discount-banner')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 150)); // several backoff periods: no retry may fire
    expect(fake.bulkRequests).toHaveLength(2);
  });

  it('loads a context unconditionally until one of its loads lands: a 304 to the ETag of an earlier visit never keeps the last context’s values', async () => {
    fake.perUser.set('user-b', new Map([['theme-color', { key: 'theme-color', value: 'green', reason: 'TARGETING_MATCH', variant: 'b' }]]));
    const c = makeClient();
    await c.ready();
    await c.identify({ userId: 'user-b' }); // its ETag is remembered
    await c.identify({ userId: 'user-123' });
    expect(c.string('theme-color', '')).toBe('blue');
    fake.faults.push({ status: 409, body: { errorDetails: 'try again' } }); // not retried: identify() rejects
    await expect(c.identify({ userId: 'user-b' })).rejects.toBeInstanceOf(RequestError);
    await c.refresh();
    expect([c.string('theme-color', ''), c.status.state, c.status.source]).toEqual(['green', 'ready', 'network']);
    expect(fake.bulkRequests.at(-1)!.headers['if-none-match']).toBeUndefined();
  });

  it('treats a 5xx as transient: the last values stay while it retries, then the new state lands', async () => {
    const c = makeClient();
    await c.ready();
    fake.faults.push({ status: 500, body: { errorDetails: 'database unavailable' } });
    fake.set({ key: 'max-items', value: 30, reason: 'SPLIT' });
    const atError: Array<[string, number]> = [];
    c.events$.subscribe((event) => {
      if (event.type === 'error') atError.push([event.error.constructor.name, c.number('max-items', 0)]);
    });
    const landed = firstValueFrom(c.number$('max-items', 0).pipe(filter((value) => value === 30), timeout(5_000)));
    void c.refresh().catch(() => undefined);
    await landed;
    expect(atError).toEqual([['ServerError', 25]]);
    expect(fake.bulkRequests).toHaveLength(3);
    expect(c.status.state).toBe('ready');
  });

  it('evaluates one flag on the single route: percent-encoded key, typed errors for 404 and 400', async () => {
    fake.set({ key: 'a/b c', value: 'x', reason: 'STATIC' });
    const c = makeClient();
    const result = await c.evaluateFor('a/b c', { userId: 'other', attributes: { plan: 'free' } });
    expect(result).toMatchObject({ key: 'a/b c', value: 'x', variant: 'x', reason: 'STATIC', source: 'network' });
    expect(fake.singleRequests[0]).toMatchObject({ path: '/ofrep/v1/evaluate/flags/a%2Fb%20c', body: { context: { targetingKey: 'other', plan: 'free' } } });
    await expect(c.evaluateFor('nope', { userId: 'u' })).rejects.toEqual(new FlagNotFoundError('nope'));
    const failed = await c.evaluateFor('broken-flag', { userId: 'u' }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(RequestError);
    expect((failed as Error).message).toContain('PARSE_ERROR: bad targeting rule (HTTP 400)');
    expect(await c.evaluateFor('new-feature', { userId: 'u' })).toMatchObject({ value: undefined, reason: 'DISABLED' });
    expect(fake.bulkRequests).toHaveLength(0);
  });

  it.each(['TARGETING_KEY_MISSING', 'INVALID_CONTEXT', 'PARSE_ERROR', 'GENERAL'])(
    'rejects a single evaluation the server answers 400 %s with an error whose errorCode is that code',
    async (code) => {
      const c = makeClient();
      fake.faults.push({ status: 400, body: { key: 'theme-color', errorCode: code, errorDetails: 'no' } });
      const failed = await c.evaluateFor('theme-color', { userId: 'u' }).catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(RequestError);
      expect(failed).toMatchObject({ statusCode: 400, errorCode: code });
    },
  );

  it('rejects a single evaluation of an unknown key with errorCode FLAG_NOT_FOUND', async () => {
    const c = makeClient();
    const failed = await c.evaluateFor('nope', { userId: 'u' }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(FlagNotFoundError);
    expect(failed).toMatchObject({ errorCode: 'FLAG_NOT_FOUND', key: 'nope' });
  });

  it.each([
    ['401', 401],
    ['403', 403],
  ])('treats %s as terminal: ready() resolves ok:false with an AuthError, nothing more is sent', async (_, status) => {
    fake.faults.push({ status });
    const c = makeClient({ pollIntervalMs: 1_000 });
    const result = await c.ready();
    expect(result.ok).toBe(false);
    expect(result.error).toBeInstanceOf(AuthError);
    expect((result.error as AuthError).statusCode).toBe(status);
    await expect(c.refresh()).rejects.toBeInstanceOf(AuthError);
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // past a poll period (±10 %): none may fire
    expect(fake.requests).toHaveLength(1);
  });

  it('snapshotFor another context is a one-off: no If-None-Match, and the main context keeps its ETag', async () => {
    fake.perUser.set('other', new Map([['max-items', { key: 'max-items', value: 99, reason: 'TARGETING_MATCH' }]]));
    const c = makeClient();
    await c.ready();
    const other = await c.snapshotFor({ userId: 'other' });
    expect(other.number('max-items', 0)).toBe(99);
    expect(fake.bulkRequests[1]!.headers['if-none-match']).toBeUndefined();
    expect(fake.bulkRequests[1]!.body).toEqual({ context: { targetingKey: 'other' } });
    const main = c.snapshot;
    await c.refresh();
    expect(fake.bulkRequests[2]!.headers['if-none-match']).toBeDefined();
    expect(c.snapshot).toBe(main);
    expect(c.number('max-items', 0)).toBe(25);
  });

  it('snapshotFor two contexts that differ only in a Date attribute asks for each: never one\'s answer for the other', async () => {
    const c = makeClient();
    await c.ready();
    const first = await c.snapshotFor({ userId: 'other', attributes: { signedUp: new Date('2020-01-01T00:00:00Z') } });
    fake.set({ key: 'max-items', value: 7, reason: 'TARGETING_MATCH' });
    const second = await c.snapshotFor({ userId: 'other', attributes: { signedUp: new Date('2024-06-01T00:00:00Z') } });
    expect(fake.bulkRequests.map((request) => (request.body as { context: { signedUp?: string } }).context.signedUp)).toEqual([
      undefined,
      '2020-01-01T00:00:00.000Z',
      '2024-06-01T00:00:00.000Z',
    ]);
    expect(first.number('max-items', 0)).toBe(25);
    expect(second.number('max-items', 0)).toBe(7);
  });

  it('snapshotFor a context whose attribute is not sent (an undefined member inside it) never gets the answer for one that sends it', async () => {
    const c = makeClient();
    await c.ready();
    const sent = await c.snapshotFor({ userId: 'other', attributes: { address: { city: 'Oslo' } } });
    fake.set({ key: 'max-items', value: 7, reason: 'TARGETING_MATCH' });
    const unsent = await c.snapshotFor({ userId: 'other', attributes: { address: { city: 'Oslo', zip: undefined } } });
    expect(fake.bulkRequests.slice(1).map((request) => (request.body as { context: Record<string, unknown> }).context)).toEqual([
      { targetingKey: 'other', address: { city: 'Oslo' } },
      { targetingKey: 'other' },
    ]);
    expect(sent.number('max-items', 0)).toBe(25);
    expect(unsent.number('max-items', 0)).toBe(7);
  });

  it('takes the base URL, extra headers and timeout from OFREP_* variables, code settings winning', async () => {
    vi.stubEnv('OFREP_ENDPOINT', fake.url);
    vi.stubEnv('OFREP_HEADERS', `Authorization=Bearer%20${fake.apiKey},X-Env=prod,X-Team=env`);
    vi.stubEnv('OFREP_TIMEOUT_MS', '5000');
    client = createFlagClient({
      transport: ofrep({ headers: { 'x-team': 'code' }, changeDetection: 'none' }),
      context: { userId: 'u' },
      streaming: false,
      pollIntervalMs: 0,
      logger: log.logger,
    });
    expect(await client.ready()).toEqual({ ok: true, source: 'network' });
    expect(fake.requests[0]!.headers).toMatchObject({ authorization: `Bearer ${fake.apiKey}`, 'x-env': 'prod', 'x-team': 'code' });
  });
});
