import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type FlagServer, type FlagsDocument, type ServerOptions } from '../../lib/server/index.js';
import { ADMIN_KEY, PROD_KEY, STAGING_KEY } from './fixtures.js';
import { openSse, type SseReader } from './sse-reader.js';

const SDK = '/api/v1/sdk';
const UNAUTHORIZED = '{"error":{"code":"AUTH_001","category":"AUTH","message":"Invalid API key","retryable":false}}\n';

let server: FlagServer | undefined;
let streams: SseReader[] = [];
let tempDir: string | undefined;

afterEach(async () => {
  streams.forEach((s) => s.close());
  streams = [];
  await server?.close();
  server = undefined;
  if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
  tempDir = undefined;
});

/** The server on examples/flags.json (not watched unless `options` say so). */
async function start(options: ServerOptions = {}): Promise<FlagServer> {
  server = await startServer({ file: 'examples/flags.json', watch: false, logger: { warn() {}, error() {} }, ...options });
  return server;
}

/** GET with `Authorization: Bearer <key>`; `key: null` sends none. */
function get(path: string, key: string | null = PROD_KEY, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server!.url}${path}`, { headers: key === null ? headers : { Authorization: `Bearer ${key}`, ...headers } });
}

/** POST JSON (or raw text) with `Authorization: Bearer <key>`; `key: null` sends none. */
function postJson(path: string, body: unknown, key: string | null = PROD_KEY): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (key !== null) headers.Authorization = `Bearer ${key}`;
  return fetch(`${server!.url}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

async function stream(query: string, bearer?: string): Promise<SseReader> {
  const reader = await openSse(`${server!.url}${SDK}/stream?${query}`, bearer);
  streams.push(reader);
  return reader;
}

async function expectRollgateError(response: Promise<Response>, status: number, code: string, message: RegExp): Promise<void> {
  const res = await response;
  expect(res.status).toBe(status);
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
  const body = (await res.json()) as { error: Record<string, unknown> };
  expect(body.error).toMatchObject({ code, retryable: false });
  expect(body.error.message).toMatch(message);
}

describe('GET /api/v1/sdk/flags', () => {
  it('answers the v1 map for the key’s environment, keys sorted, with a deterministic ETag', async () => {
    await start();
    const res = await get(`${SDK}/flags`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const text = await res.text();
    expect(text).toBe(
      '{"flags":{"banner-text":true,"checkout-config":true,"dark-mode":false,"max-items":true,"new-checkout":true,"search-v2":false}}\n',
    );
    expect(res.headers.get('etag')).toBe(`"${createHash('sha256').update(text).digest('hex').slice(0, 16)}"`);
    expect((await get(`${SDK}/flags`)).headers.get('etag')).toBe(res.headers.get('etag'));
    const staging = (await (await get(`${SDK}/flags`, STAGING_KEY)).json()) as { flags: Record<string, boolean> };
    expect(staging.flags['max-items']).toBe(false);
    expect(staging.flags['dark-mode']).toBe(true);
  });

  it('maps reasons: disabled → OFF, rule_match → RULE_MATCH with rule id and index, default → FALLTHROUGH', async () => {
    const s = await start();
    await postJson(`${SDK}/identify`, { user: { id: 'alice', attributes: { plan: 'pro' } } });
    s.toggle('demo', 'production', 'checkout-config', false);
    const body = (await (await get(`${SDK}/flags?user_id=alice&withReasons=true`)).json()) as {
      flags: Record<string, boolean>;
      reasons: Record<string, unknown>;
    };
    expect(body.flags).toMatchObject({ 'new-checkout': true, 'dark-mode': true, 'max-items': true, 'banner-text': true, 'checkout-config': false });
    expect(body.reasons).toMatchObject({
      'new-checkout': { kind: 'RULE_MATCH', ruleId: 'everyone', inRollout: true },
      'dark-mode': { kind: 'RULE_MATCH', ruleId: 'pro plan', inRollout: true },
      'max-items': { kind: 'RULE_MATCH', ruleId: 'paying plans', ruleIndex: 1, inRollout: true },
      'banner-text': { kind: 'FALLTHROUGH', inRollout: true },
      'checkout-config': { kind: 'OFF' },
    });
    expect(body.reasons['new-checkout']).not.toHaveProperty('ruleIndex');
    expect(body.reasons['checkout-config']).toEqual({ kind: 'OFF' });
    const anonymous = (await (await get(`${SDK}/flags?withReasons=true`)).json()) as { reasons: Record<string, unknown> };
    expect(anonymous.reasons['dark-mode']).toEqual({ kind: 'FALLTHROUGH' });
    expect(s.requests['rollgate-flags']).toBe(2);
    expect(s.requestLog.at(-2)?.context).toEqual({ userId: 'alice', attributes: { plan: 'pro', id: 'alice' } });
  });

  it('answers 304 to a matching If-None-Match (weak or in a list), 200 once the body changes; reasons change the ETag', async () => {
    const s = await start();
    const first = await get(`${SDK}/flags?user_id=u1&withReasons=true`);
    const etag = first.headers.get('etag')!;
    await first.text();
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const res = await get(`${SDK}/flags?user_id=u1&withReasons=true`, PROD_KEY, { 'If-None-Match': header });
      expect(res.status).toBe(304);
      expect(await res.text()).toBe('');
      expect(res.headers.get('etag')).toBe(etag);
    }
    const withoutReasons = await get(`${SDK}/flags?user_id=u1`, PROD_KEY, { 'If-None-Match': etag });
    expect(withoutReasons.status).toBe(200);
    expect(withoutReasons.headers.get('etag')).not.toBe(etag);
    await withoutReasons.text();

    s.toggle('demo', 'production', 'new-checkout', false);
    const changed = await get(`${SDK}/flags?user_id=u1&withReasons=true`, PROD_KEY, { 'If-None-Match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(((await changed.json()) as { flags: Record<string, boolean> }).flags['new-checkout']).toBe(false);
  });
});

describe('GET /api/v1/sdk/v2/flags', () => {
  it('serves typed values from the flag types, with reasons and no ETag', async () => {
    await start();
    await postJson(`${SDK}/identify`, { user: { id: 'bob', attributes: { plan: 'enterprise' } } });
    const res = await get(`${SDK}/v2/flags?user_id=bob`);
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBeNull();
    const { flags } = (await res.json()) as { flags: Record<string, unknown> };
    expect(Object.keys(flags)).toEqual(['banner-text', 'checkout-config', 'dark-mode', 'max-items', 'new-checkout', 'search-v2']);
    expect(flags['banner-text']).toEqual({ key: 'banner-text', type: 'string', value: 'welcome', enabled: true, reason: { kind: 'FALLTHROUGH', inRollout: true } });
    expect(flags['max-items']).toEqual({
      key: 'max-items',
      type: 'number',
      value: 25,
      enabled: true,
      reason: { kind: 'RULE_MATCH', ruleId: 'paying plans', ruleIndex: 1, inRollout: true },
    });
    expect(flags['checkout-config']).toMatchObject({ type: 'json', value: { currency: 'EUR', maxRetries: 5 }, enabled: true });
    expect(flags['dark-mode']).toEqual({ key: 'dark-mode', type: 'boolean', value: false, enabled: false, reason: { kind: 'FALLTHROUGH' } });
  });

  it('serves a disabled typed flag’s default variant, typed, with enabled false and OFF', async () => {
    await start();
    const { flags } = (await (await get(`${SDK}/v2/flags`, STAGING_KEY)).json()) as { flags: Record<string, unknown> };
    expect(flags['max-items']).toEqual({ key: 'max-items', type: 'number', value: 10, enabled: false, reason: { kind: 'OFF' } });
  });
});

describe('POST /api/v1/sdk/identify', () => {
  /** One project whose flags test typed attributes: numbers, booleans, e-mail, semver. */
  const typedDoc = (): FlagsDocument => ({
    projects: [
      {
        slug: 'typed',
        environments: [{ slug: 'production', apiKeys: [PROD_KEY] }],
        flags: [
          ['high-score', 'score', 'gte', '100'],
          ['verified-only', 'verified', 'eq', 'true'],
          ['staff', 'email', 'ends_with', '@example.com'],
          ['new-app', 'app', 'semver_gt', '1.5.0'],
          ['by-id', 'id', 'eq', 'u7'],
        ].map(([key, attribute, operator, value]) => ({
          key: key!,
          type: 'bool' as const,
          defaultVariant: 'false',
          environments: {
            production: { enabled: true, rules: [{ priority: 1, conditions: [{ attribute, operator: operator as 'eq', values: [value!] }], variant: 'true' }] },
          },
        })),
      },
    ],
  });

  async function flagsOf(userId: string): Promise<Record<string, boolean>> {
    return ((await (await get(`${SDK}/flags?user_id=${encodeURIComponent(userId)}`)).json()) as { flags: Record<string, boolean> }).flags;
  }

  it('stores attributes of any JSON type per user and evaluates with them; replace, not merge', async () => {
    server = await startServer({ flags: typedDoc(), logger: { warn() {}, error() {} } });
    const identify = await postJson(`${SDK}/identify`, {
      user: { id: 'u7', email: 'ann@example.com', attributes: { score: 150, verified: true, app: '1.6.0', nested: { a: [1] }, none: null } },
    });
    expect(identify.status).toBe(200);
    expect(await identify.json()).toEqual({ success: true });
    expect(await flagsOf('u7')).toEqual({ 'by-id': true, 'high-score': true, 'new-app': true, staff: true, 'verified-only': true });

    await postJson(`${SDK}/identify`, { user: { id: 'u7', attributes: { score: 99.9, app: '1.5.0-beta' } } });
    expect(await flagsOf('u7')).toEqual({ 'by-id': true, 'high-score': false, 'new-app': false, staff: false, 'verified-only': false });

    await postJson(`${SDK}/identify`, { user: { id: 'u8', attributes: { score: '200' } } });
    expect((await flagsOf('u8'))['high-score']).toBe(true);
    expect((await flagsOf('u7'))['high-score']).toBe(false);
    expect(server.requests['rollgate-identify']).toBe(3);
  });

  it('stores nothing for an empty id (still 200) and rejects a malformed body with 400', async () => {
    server = await startServer({ flags: typedDoc(), logger: { warn() {}, error() {} } });
    const empty = await postJson(`${SDK}/identify`, { user: { id: '', attributes: { score: 500 } } });
    expect(await empty.json()).toEqual({ success: true });
    expect((await flagsOf(''))['high-score']).toBe(false);
    await expectRollgateError(postJson(`${SDK}/identify`, '{"user":'), 400, 'VAL_001', /invalid JSON/);
    await expectRollgateError(postJson(`${SDK}/identify`, { user: { id: 'x', attributes: [1] } }), 400, 'VAL_001', /attributes must be an object/);
    await expectRollgateError(postJson(`${SDK}/identify`, { user: { id: 5 } }), 400, 'VAL_001', /user\.id must be a string/);
  });
  describe('a user named in the headers (rollgate.md §3), first match wins', () => {
    const b64 = (value: unknown, encoding: BufferEncoding = 'base64'): string => Buffer.from(JSON.stringify(value)).toString(encoding);
    async function flagsWith(headers: Record<string, string>, query = ''): Promise<Record<string, boolean>> {
      return ((await (await get(`${SDK}/flags${query}`, PROD_KEY, headers)).json()) as { flags: Record<string, boolean> }).flags;
    }

    it('X-User-Context: its whole user, over user_id and that user’s identify record; v1 and v2 alike', async () => {
      server = await startServer({ flags: typedDoc(), logger: { warn() {}, error() {} } });
      await postJson(`${SDK}/identify`, { user: { id: 'u7', attributes: { score: 10, verified: true } } });
      const context = { 'X-User-Context': b64({ id: 'u7', email: 'ann@example.com', attributes: { score: 150, app: '2.0.0' } }) };
      const expected = { 'by-id': true, 'high-score': true, 'new-app': true, staff: true, 'verified-only': false };
      expect(await flagsWith(context, '?user_id=u7')).toEqual(expected);
      expect(await flagsWith(context, '?user_id=someone-else')).toEqual(expected);
      const v2 = (await (await get(`${SDK}/v2/flags?user_id=u7`, PROD_KEY, context)).json()) as { flags: Record<string, { value: boolean }> };
      expect(Object.fromEntries(Object.entries(v2.flags).map(([key, flag]) => [key, flag.value]))).toEqual(expected);
      // the header changed nothing on the server: u7's record still evaluates as identified
      expect(await flagsWith({}, '?user_id=u7')).toEqual({ 'by-id': true, 'high-score': false, 'new-app': false, staff: false, 'verified-only': true });
    });

    it('accepts URL-safe base64 and non-ASCII text; an attribute named email wins over email', async () => {
      server = await startServer({ flags: typedDoc(), logger: { warn() {}, error() {} } });
      const user = { id: 'u7', email: 'ann@example.org', attributes: { email: 'zoë?>@example.com', app: '1.6.0' } };
      const urlSafe = b64(user).replace(/\+/g, '-').replace(/\//g, '_');
      expect(urlSafe).toMatch(/[-_]/);
      expect(await flagsWith({ 'X-User-Context': urlSafe })).toMatchObject({ staff: true, 'new-app': true, 'by-id': true });
    });

    it('an X-User-Context that does not decode, or has no id, is skipped: X-User-ID, then user_id apply', async () => {
      server = await startServer({ flags: typedDoc(), logger: { warn() {}, error() {} } });
      await postJson(`${SDK}/identify`, { user: { id: 'u8', attributes: { verified: true } } });
      const idHeaders = { 'X-User-ID': 'u7', 'X-User-Email': 'bo@example.com', 'X-User-Attributes': '{"score":100}' };
      for (const broken of ['not base64!', b64({ email: 'x@example.com' }), b64([1]), b64({ id: 'u7', attributes: [1] }), Buffer.from('{"id":').toString('base64')]) {
        expect(await flagsWith({ 'X-User-Context': broken, ...idHeaders }, '?user_id=u8')).toEqual({
          'by-id': true,
          'high-score': true,
          'new-app': false,
          staff: true,
          'verified-only': false,
        });
        expect(await flagsWith({ 'X-User-Context': broken }, '?user_id=u8')).toMatchObject({ 'verified-only': true, 'by-id': false });
      }
      expect(await flagsWith({ 'X-User-ID': 'u7', 'X-User-Attributes': 'not json' })).toMatchObject({ 'by-id': true, 'high-score': false });
    });
  });
});

describe('GET /api/v1/sdk/stream', () => {
  it('sends init with the v1 map on connect and one flag-changed per toggle, after the state is visible', async () => {
    const s = await start({ heartbeatMs: 60_000 });
    await postJson(`${SDK}/identify`, { user: { id: 'alice', attributes: { plan: 'pro' } } });
    const reader = await stream(`token=${PROD_KEY}&user_id=alice`);
    expect(reader.response.status).toBe(200);
    expect(reader.response.headers.get('content-type')).toBe('text/event-stream');
    const init = await reader.nextData();
    expect(init?.event).toBe('init');
    const { flags } = JSON.parse(init!.data!) as { flags: Record<string, boolean> };
    expect(flags).toMatchObject({ 'dark-mode': true, 'new-checkout': true, 'max-items': true });
    expect(init!.data).not.toContain('reasons');

    s.toggle('demo', 'production', 'dark-mode', false);
    const changed = await reader.nextData();
    expect(changed).toMatchObject({ event: 'flag-changed', data: '{"key":"dark-mode","enabled":false}' });
    s.toggle('demo', 'staging', 'new-checkout', false);
    s.toggle('demo', 'production', 'new-checkout', false);
    expect((await reader.nextData())?.data).toBe('{"key":"new-checkout","enabled":false}');
    expect(s.requests['rollgate-stream']).toBe(1);
  });

  it('accepts Authorization: Bearer instead of the token, and sends : ping heartbeats', async () => {
    const s = await start();
    s.setHeartbeatMs(40);
    const reader = await stream('user_id=bob', PROD_KEY);
    expect((await reader.next())?.event).toBe('init');
    expect(await reader.next()).toMatchObject({ comments: [': ping'], data: undefined });
  });

  it('answers 401 without a valid token', async () => {
    await start();
    for (const query of ['user_id=x', `token=${ADMIN_KEY}`, 'token=nope']) {
      const res = await fetch(`${server!.url}${SDK}/stream?${query}`);
      expect(res.status).toBe(401);
      expect(await res.text()).toBe(UNAUTHORIZED);
    }
    expect(server!.streamCount).toBe(0);
  });

  it('sends flag-changed for each flag an edit of the file changed', async () => {
    tempDir = await mkdtemp(join(tmpdir(), 'flagstream-rollgate-'));
    const file = join(tempDir, 'flags.json');
    await copyFile('examples/flags.json', file);
    const s = await start({ file, watch: true, watchDebounceMs: 10 });
    const reader = await stream(`token=${PROD_KEY}`);
    expect((await reader.nextData())?.event).toBe('init');

    const doc = JSON.parse(await readFile(file, 'utf8')) as { projects: { flags: { key: string; environments: Record<string, { enabled: boolean }> }[] }[] };
    const flag = (key: string) => doc.projects[0]!.flags.find((f) => f.key === key)!;
    flag('banner-text').environments.production!.enabled = false;
    flag('new-checkout').environments.production!.enabled = false;
    flag('dark-mode').environments.staging!.enabled = false;
    await writeFile(file, JSON.stringify(doc));

    const events = [await reader.nextData(), await reader.nextData()].map((f) => JSON.parse(f!.data!) as unknown);
    expect(events).toEqual(
      expect.arrayContaining([
        { key: 'banner-text', enabled: false },
        { key: 'new-checkout', enabled: false },
      ]),
    );
    const { flags } = (await (await get(`${SDK}/flags`)).json()) as { flags: Record<string, boolean> };
    expect(flags).toMatchObject({ 'banner-text': false, 'new-checkout': false });
    s.toggle('demo', 'production', 'max-items', false);
    expect((await reader.nextData())?.data).toBe('{"key":"max-items","enabled":false}');
  });
});

describe('POST /api/v1/sdk/events and /telemetry', () => {
  const event = { flagKey: 'new-checkout', eventName: 'purchase', userId: 'u1', variationId: 'true', value: 29.99, metadata: { currency: 'EUR' }, timestamp: '2026-01-01T00:00:00.000Z' };

  it('accepts an event batch, keeps it on the handle and behind the admin read-back route', async () => {
    const s = await start();
    const res = await postJson(`${SDK}/events`, { events: [event, { flagKey: 'dark-mode', eventName: 'view', userId: 'u2' }] });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: 2 });
    expect(s.trackedEvents).toEqual([
      { ...event, project: 'demo', environment: 'production', receivedAt: expect.any(String) },
      { flagKey: 'dark-mode', eventName: 'view', userId: 'u2', project: 'demo', environment: 'production', receivedAt: expect.any(String) },
    ]);
    const readBack = await get('/api/v1/test/events', ADMIN_KEY);
    expect(await readBack.json()).toEqual({ events: JSON.parse(JSON.stringify(s.trackedEvents)), count: 2 });
    expect((await get('/api/v1/test/events', PROD_KEY)).status).toBe(401);
    const cleared = await fetch(`${s.url}/api/v1/test/events`, { method: 'DELETE', headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
    expect(await cleared.json()).toEqual({ events: [], count: 0 });
    expect(s.trackedEvents).toEqual([]);
    expect(s.requests['rollgate-events']).toBe(1);
  });

  it.each<[string, unknown, RegExp]>([
    ['a missing userId', { events: [{ flagKey: 'f', eventName: 'e' }] }, /events\[0\]\.userId is required/],
    ['snake_case fields', { events: [{ flag_key: 'f', event_name: 'e', user_id: 'u' }] }, /events\[0\]\.flagKey is required/],
    ['a non-numeric value', { events: [{ ...event, value: '29.99' }] }, /events\[0\]\.value must be a number/],
    ['a non-RFC-3339 timestamp', { events: [{ ...event, timestamp: 'yesterday' }] }, /events\[0\]\.timestamp must be an RFC 3339 time/],
    ['no events array', { event }, /expected \{"events":\[…\]\}/],
    ['invalid JSON', '{"events":[', /invalid JSON/],
  ])('rejects an event batch with %s (400), storing nothing', async (_, body, message) => {
    const s = await start();
    await expectRollgateError(postJson(`${SDK}/events`, body), 400, 'VAL_001', message);
    expect(s.trackedEvents).toEqual([]);
  });

  it('accepts telemetry with integer counts and answers the sum of totals', async () => {
    const s = await start();
    const report = { evaluations: { 'new-checkout': { total: 7, true: 7, false: 0 }, 'dark-mode': { total: 3, true: 0, false: 3 } }, period_ms: 60000 };
    const res = await postJson(`${SDK}/telemetry`, report, STAGING_KEY);
    expect(await res.json()).toEqual({ received: 10 });
    expect(s.telemetry).toEqual([
      { evaluations: report.evaluations, periodMs: 60000, project: 'demo', environment: 'staging', receivedAt: expect.any(String) },
    ]);
    expect(await (await get('/api/v1/test/telemetry', ADMIN_KEY)).json()).toMatchObject({ count: 1, telemetry: [{ periodMs: 60000 }] });
    s.clearTracking();
    expect(s.telemetry).toEqual([]);
  });

  it.each<[string, unknown, RegExp]>([
    ['a fractional count', { evaluations: { f: { total: 1.5, true: 1, false: 0 } }, period_ms: 1 }, /evaluations\["f"\]\.total must be an integer/],
    ['a fractional period_ms', { evaluations: {}, period_ms: 1234.5 }, /period_ms must be an integer/],
    ['a missing period_ms', { evaluations: {} }, /period_ms must be an integer/],
    ['camelCase periodMs', { evaluations: {}, periodMs: 1 }, /period_ms must be an integer/],
    ['a count as a string', { evaluations: { f: { total: '1', true: 1, false: 0 } }, period_ms: 1 }, /total must be an integer/],
  ])('rejects telemetry with %s (400)', async (_, body, message) => {
    const s = await start();
    await expectRollgateError(postJson(`${SDK}/telemetry`, body), 400, 'VAL_001', message);
    expect(s.telemetry).toEqual([]);
  });
});

describe('auth and CORS', () => {
  it('answers 401 with the Rollgate error body for a missing, unknown or admin key', async () => {
    const s = await start();
    for (const key of [null, 'cg_unknown', ADMIN_KEY]) {
      for (const path of [`${SDK}/flags`, `${SDK}/v2/flags`]) {
        const res = await get(path, key);
        expect(res.status).toBe(401);
        expect(res.headers.get('content-type')).toBe('application/json');
        expect(await res.text()).toBe(UNAUTHORIZED);
      }
      for (const path of [`${SDK}/identify`, `${SDK}/events`, `${SDK}/telemetry`]) {
        expect((await postJson(path, {}, key)).status).toBe(401);
      }
    }
    expect(s.trackedEvents).toEqual([]);
  });

  it('accepts the bare key without a scheme, as Rollgate does', async () => {
    await start();
    expect((await get(`${SDK}/flags`, null, { Authorization: PROD_KEY })).status).toBe(200);
  });

  it('sends the shared CORS headers on the Rollgate routes, and answers OPTIONS with 200', async () => {
    const s = await start();
    const res = await get(`${SDK}/flags`);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toBe('GET, POST, PUT, PATCH, DELETE, OPTIONS');
    expect(res.headers.get('access-control-allow-headers')).toBe('Authorization, Content-Type, X-API-Key, If-None-Match, Last-Event-ID, *');
    expect(res.headers.get('access-control-expose-headers')).toBe('ETag, Retry-After');
    for (const path of [`${SDK}/flags`, `${SDK}/stream`, `${SDK}/anything`, '/api/v1/test/events']) {
      const preflight = await fetch(`${s.url}${path}`, { method: 'OPTIONS' });
      expect(preflight.status).toBe(200);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
      expect(await preflight.text()).toBe('');
    }
    expect(s.requests.preflight).toBe(4);
  });

  it('answers a wrong method with 405, Allow and CORS', async () => {
    const s = await start();
    const res = await get(`${SDK}/identify`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('VAL_002');
    expect(s.requests['rollgate-identify']).toBe(1);
  });
});
