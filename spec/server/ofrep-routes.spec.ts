import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type FlagServer, type ServerOptions } from '../../lib/server/index.js';
import { ADMIN_KEY, PROD_KEY, STAGING_KEY } from './fixtures.js';
import { bearer, BULK, ofrepFlags, ofrepPost } from './ofrep-fixtures.js';

let server: FlagServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: ServerOptions = {}): Promise<FlagServer> {
  server = await startServer({ flags: ofrepFlags(), logger: { warn() {}, error() {} }, ...options });
  return server;
}

const PRO_USER = { context: { targetingKey: 'u1', plan: 'pro' } };

const bulk = (s: FlagServer, body: unknown = PRO_USER, headers = bearer(PROD_KEY)): Promise<Response> =>
  ofrepPost(`${s.url}${BULK}`, body, headers);
const single = (s: FlagServer, key: string, body: unknown = PRO_USER, headers = bearer(PROD_KEY)): Promise<Response> =>
  ofrepPost(`${s.url}${BULK}/${encodeURIComponent(key)}`, body, headers);

/** Status, and the body as JSON (undefined when empty). */
async function answer(response: Promise<Response>): Promise<[number, unknown]> {
  const res = await response;
  const text = await res.text();
  return [res.status, text === '' ? undefined : JSON.parse(text)];
}

const PRO_ITEMS = [
  { key: 'dark-mode', reason: 'TARGETING_MATCH', variant: 'true', value: true, metadata: { type: 'bool', ruleId: '0' } },
  { key: 'banner', reason: 'DISABLED', metadata: { type: 'string' } },
  { key: 'max-items', reason: 'STATIC', variant: '25', value: 25, metadata: { type: 'number' } },
  { key: 'config', reason: 'DISABLED', metadata: { type: 'json' } },
  { key: 'rollout', reason: 'SPLIT', variant: 'on', value: 'on', metadata: { type: 'string', ruleId: 'ramp' } },
  { key: 'layout', reason: 'STATIC', variant: '{"cols":3}', value: { cols: 3 }, metadata: { type: 'json' } },
];

describe('OFREP evaluation: the §12 mapping', () => {
  it('bulk lists every flag in file order with reasons, typed values, code-default items, metadata and eventStreams', async () => {
    const s = await start();
    const res = await bulk(s);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]{16}"$/);
    const body = (await res.json()) as { flags: unknown; metadata: unknown; eventStreams: { endpoint: { requestUri: string } }[] };
    expect(body.flags).toEqual(PRO_ITEMS);
    expect(body.metadata).toEqual({ project: 'demo', environment: 'production' });
    expect(body.eventStreams).toEqual([{ type: 'sse', endpoint: { requestUri: expect.stringMatching(/^\/ofrep\/v1\/stream\?channel=[\w-]{20,}$/) } }]);
    expect(body.eventStreams[0]?.endpoint.requestUri).not.toContain(PROD_KEY);
  });

  it('falls back to the default variant with DEFAULT when rules exist but none matched, and skips a rollout for an anonymous user', async () => {
    const s = await start();
    const [, body] = await answer(bulk(s, { context: {} }));
    const flags = (body as { flags: { key: string }[] }).flags;
    expect(flags.find((f) => f.key === 'dark-mode')).toEqual({ key: 'dark-mode', reason: 'DEFAULT', variant: 'false', value: false, metadata: { type: 'bool' } });
    expect(flags.find((f) => f.key === 'rollout')).toEqual({ key: 'rollout', reason: 'DEFAULT', variant: 'off', value: 'off', metadata: { type: 'string' } });
  });

  it('answers the single route with the same item as bulk, for every flag', async () => {
    const s = await start();
    for (const item of PRO_ITEMS) {
      const res = await single(s, item.key);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(res.headers.get('etag')).toBeNull();
      expect([res.status, await res.json()]).toEqual([200, item]);
    }
  });

  it('sends a null json value as a code-default item (OFREP has no null), keeping reason and variant', async () => {
    const flags = ofrepFlags();
    flags.projects[0]!.flags!.push({ key: 'nothing', type: 'json', variants: ['null'], defaultVariant: 'null', environments: { production: { enabled: true } } });
    const s = await start({ flags });
    const item = { key: 'nothing', reason: 'STATIC', variant: 'null', metadata: { type: 'json' } };
    expect(await answer(single(s, 'nothing'))).toEqual([200, item]);
    const [, body] = await answer(bulk(s));
    expect((body as { flags: { key: string }[] }).flags.find((f) => f.key === 'nothing')).toEqual(item);
  });

  it('answers 404 FLAG_NOT_FOUND for an unknown key (percent-decoded)', async () => {
    const s = await start();
    expect(await answer(single(s, 'no/such flag'))).toEqual([404, { key: 'no/such flag', errorCode: 'FLAG_NOT_FOUND', errorDetails: 'no flag no/such flag' }]);
  });

  it('serves a disabled flag’s default variant and value under the disabledServesDefault switch', async () => {
    const s = await start({ ofrep: { disabledServesDefault: true } });
    expect(await answer(single(s, 'banner'))).toEqual([200, { key: 'banner', reason: 'DISABLED', variant: 'control', value: 'control', metadata: { type: 'string' } }]);
    s.setOfrep({ disabledServesDefault: undefined });
    expect(await answer(single(s, 'banner'))).toEqual([200, { key: 'banner', reason: 'DISABLED', metadata: { type: 'string' } }]);
  });

  it('maps targetingKey to the user id and every other field to a text attribute', async () => {
    const s = await start();
    await bulk(s, { context: { targetingKey: 'user-1', plan: 'free', age: 31, beta: true, tags: ['a'], gone: null } });
    expect(s.requestLog.at(-1)?.context).toEqual({ userId: 'user-1', attributes: { plan: 'free', age: '31', beta: 'true', tags: '["a"]', gone: '' } });
    // user-1 is in the beta segment: the second rule matches
    const [, body] = await answer(single(s, 'dark-mode', { context: { targetingKey: 'user-1' } }));
    expect(body).toMatchObject({ reason: 'TARGETING_MATCH', value: true, metadata: { ruleId: '1' } });
  });

  it('evaluates a missing targetingKey as anonymous, or answers TARGETING_KEY_MISSING under requireTargetingKey', async () => {
    const s = await start();
    expect((await single(s, 'dark-mode', { context: { plan: 'pro' } })).status).toBe(200);
    expect(s.requestLog.at(-1)?.context).toEqual({ userId: '', attributes: { plan: 'pro' } });
    s.setOfrep({ requireTargetingKey: true });
    const missing = { errorCode: 'TARGETING_KEY_MISSING', errorDetails: 'targetingKey is required' };
    expect(await answer(single(s, 'dark-mode', { context: { plan: 'pro' } }))).toEqual([400, { key: 'dark-mode', ...missing }]);
    expect(await answer(bulk(s, { context: { targetingKey: '' } }))).toEqual([400, missing]);
    expect((await bulk(s)).status).toBe(200);
  });

  it.each<[string, unknown, string, string]>([
    ['unparsable JSON', '{"context":', 'PARSE_ERROR', 'the request body is not valid JSON'],
    ['an empty body', '', 'PARSE_ERROR', 'the request body is not valid JSON'],
    ['no context', {}, 'INVALID_CONTEXT', 'context must be an object'],
    ['a context array', { context: [] }, 'INVALID_CONTEXT', 'context must be an object'],
    ['a null context', { context: null }, 'INVALID_CONTEXT', 'context must be an object'],
    ['a body that is not an object', '[1]', 'INVALID_CONTEXT', 'context must be an object'],
    ['a numeric targetingKey', { context: { targetingKey: 42 } }, 'INVALID_CONTEXT', 'targetingKey must be a string'],
  ])('answers 400 for %s (bulk without key, single with it)', async (_, body, errorCode, errorDetails) => {
    const s = await start();
    expect(await answer(bulk(s, body))).toEqual([400, { errorCode, errorDetails }]);
    const res = await single(s, 'dark-mode', body);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect([res.status, await res.json()]).toEqual([400, { key: 'dark-mode', errorCode, errorDetails }]);
  });
});

describe('OFREP authentication and check order', () => {
  it('accepts Authorization: Bearer and X-API-Key; the key selects the environment', async () => {
    const s = await start();
    expect((await bulk(s, PRO_USER, bearer(PROD_KEY))).status).toBe(200);
    expect((await bulk(s, PRO_USER, { 'X-API-Key': PROD_KEY })).status).toBe(200);
    const [, staging] = await answer(single(s, 'banner', PRO_USER, { 'X-API-Key': STAGING_KEY }));
    expect(staging).toMatchObject({ reason: 'STATIC', value: 'control' });
  });

  it.each<[string, Record<string, string>, number]>([
    ['no key', {}, 401],
    ['an unknown bearer key', bearer('nope'), 401],
    ['an unknown X-API-Key', { 'X-API-Key': 'nope' }, 401],
    ['a non-Bearer Authorization', { Authorization: `Basic ${PROD_KEY}` }, 401],
    ['the admin key (no environment)', bearer(ADMIN_KEY), 403],
  ])('answers %s with %i and no body', async (_, headers, status) => {
    const s = await start();
    for (const res of [await bulk(s, PRO_USER, headers), await single(s, 'dark-mode', PRO_USER, headers)]) {
      expect(res.status).toBe(status);
      expect(await res.text()).toBe('');
    }
  });

  it('checks 401 → 403 → 429 → 400 → 404 (single) → 304 (bulk) → 200', async () => {
    const s = await start();
    const bad = '{';
    expect((await single(s, 'nope', bad, bearer('nope'))).status).toBe(401);
    expect((await single(s, 'nope', bad, bearer(ADMIN_KEY))).status).toBe(403);
    s.setOfrep({ retryAfter: 5 });
    expect((await single(s, 'nope', bad)).status).toBe(429);
    s.setOfrep({ retryAfter: undefined });
    expect((await single(s, 'nope', bad)).status).toBe(400);
    expect((await single(s, 'nope')).status).toBe(404);
    const etag = (await bulk(s)).headers.get('etag') as string;
    expect((await bulk(s, bad, { ...bearer(PROD_KEY), 'If-None-Match': etag })).status).toBe(400);
    expect((await bulk(s, PRO_USER, { ...bearer(PROD_KEY), 'If-None-Match': etag })).status).toBe(304);
    expect((await bulk(s, { context: {} }, { ...bearer(PROD_KEY), 'If-None-Match': etag })).status).toBe(200);
  });
});

describe('OFREP ETag', () => {
  it('gives each context its ETag and answers a matching If-None-Match (list, weak) with 304, no body', async () => {
    const s = await start();
    const pro = (await bulk(s)).headers.get('etag') as string;
    const anonymous = (await bulk(s, { context: {} })).headers.get('etag') as string;
    expect(pro).not.toBe(anonymous);
    expect((await bulk(s)).headers.get('etag')).toBe(pro);
    for (const header of [pro, `W/${pro}`, `"other", ${pro}`]) {
      const res = await bulk(s, PRO_USER, { ...bearer(PROD_KEY), 'If-None-Match': header });
      expect([res.status, res.headers.get('etag'), await res.text()]).toEqual([304, pro, '']);
    }
  });

  it('changes the ETag when the context’s values change', async () => {
    const s = await start();
    const before = (await bulk(s)).headers.get('etag') as string;
    s.toggle('demo', 'production', 'banner', true);
    const res = await bulk(s, PRO_USER, { ...bearer(PROD_KEY), 'If-None-Match': before });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).not.toBe(before);
    expect(((await res.json()) as { flags: unknown[] }).flags[1]).toEqual({ key: 'banner', reason: 'STATIC', variant: 'control', value: 'control', metadata: { type: 'string' } });
  });
});

describe('OFREP test switches', () => {
  it.each<[string, ServerOptions['ofrep'], string]>([
    ['seconds', { retryAfter: 120 }, '120'],
    ['an IMF-fixdate', { retryAfter: { date: new Date('2024-02-07T12:00:00Z'), form: 'imf-fixdate' } }, 'Wed, 07 Feb 2024 12:00:00 GMT'],
    ['an ISO 8601 date', { retryAfter: { date: new Date('2024-02-07T12:00:00.250Z'), form: 'iso' } }, '2024-02-07T12:00:00Z'],
  ])('answers 429 with Retry-After as %s, on both routes, after authentication', async (_, switches, header) => {
    const s = await start({ ofrep: switches });
    for (const res of [await bulk(s), await single(s, 'dark-mode')]) {
      expect([res.status, res.headers.get('retry-after'), await res.text()]).toEqual([429, header, '']);
      expect(res.headers.get('access-control-expose-headers')).toBe('ETag, Retry-After');
    }
    expect((await bulk(s, PRO_USER, {})).status).toBe(401);
  });

  it('applies the server’s fixed-window rate limit with Retry-After in seconds', async () => {
    const s = await start({ rateLimit: { limit: 1, windowMs: 60_000 } });
    expect((await bulk(s)).status).toBe(200);
    const limited = await single(s, 'dark-mode');
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '60']);
  });

  it('delays responses by delayMs', async () => {
    const s = await start({ ofrep: { delayMs: 150 } });
    const started = performance.now();
    expect((await bulk(s)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });

  it('turns flags into failure items in bulk (partial success) and 400 on the single route', async () => {
    const s = await start({ ofrep: { failingFlags: { 'max-items': 'PARSE_ERROR', layout: 'GENERAL' } } });
    const [, body] = await answer(bulk(s));
    const flags = (body as { flags: unknown[] }).flags;
    expect(flags[2]).toEqual({ key: 'max-items', errorCode: 'PARSE_ERROR', errorDetails: 'forced failure (test switch)' });
    expect(flags[5]).toEqual({ key: 'layout', errorCode: 'GENERAL', errorDetails: 'forced failure (test switch)' });
    expect(flags[0]).toEqual(PRO_ITEMS[0]);
    expect(await answer(single(s, 'max-items'))).toEqual([400, { key: 'max-items', errorCode: 'PARSE_ERROR', errorDetails: 'forced failure (test switch)' }]);
  });

  it('fails event-triggered bulk requests with refetchFailureStatus and records the flagConfig* parameters received', async () => {
    const s = await start({ ofrep: { refetchFailureStatus: 503 } });
    const triggered = `${s.url}${BULK}?flagConfigEtag=${encodeURIComponent('"7"')}&flagConfigLastModified=1771622898`;
    const res = await ofrepPost(triggered, PRO_USER, bearer(PROD_KEY));
    expect(res.headers.get('content-type')).toBe('application/json');
    expect([res.status, await res.json()]).toEqual([503, { errorDetails: 'not caught up with that configuration yet (test switch)' }]);
    expect((await bulk(s)).status).toBe(200);
    s.setOfrep({ refetchFailureStatus: undefined });
    expect((await ofrepPost(`${s.url}${BULK}?flagConfigEtag=%228%22`, PRO_USER, bearer(PROD_KEY))).status).toBe(200);
    expect(s.ofrepRefetches).toEqual([{ flagConfigEtag: '"7"', flagConfigLastModified: '1771622898' }, { flagConfigEtag: '"8"' }]);
    s.resetRequests();
    expect(s.ofrepRefetches).toEqual([]);
  });

  it('answers an internal error with 500 {"errorDetails"} and logs the route only', async () => {
    const errors: string[] = [];
    const s = await start({ logger: { warn() {}, error: (message) => void errors.push(message) } });
    const throwing = new Proxy(
      {},
      {
        get: () => {
          throw new Error('boom');
        },
      },
    );
    s.setOfrep({ failingFlags: throwing });
    expect(await answer(bulk(s))).toEqual([500, { errorDetails: 'an unexpected error occurred' }]);
    expect(errors).toEqual(['internal error on POST ofrep-bulk route: boom']);
  });

  it.each<[string, ServerOptions['ofrep']]>([
    ['ofrep.delayMs', { delayMs: -1 }],
    ['ofrep.refetchFailureStatus', { refetchFailureStatus: 404 }],
    ['ofrep.retryAfter', { retryAfter: 1.5 }],
  ])('rejects a bad %s with ConfigError, at start and at runtime', async (field, switches) => {
    await expect(startServer({ ofrep: switches })).rejects.toMatchObject({ name: 'ConfigError', field });
    const s = await start();
    expect(() => s.setOfrep(switches ?? {})).toThrow(expect.objectContaining({ name: 'ConfigError', field }));
  });
});
