/**
 * The local server's OFREP face against the official OpenAPI document (spec/vendor/ofrep): every
 * route, status and content type it answers, and the events of its stream, checked by a real
 * JSON Schema 2020-12 validator. The document's schema defects are repaired in one place
 * (`repairOfrepSchemas`); the first block shows that the repaired schemas still reject what the
 * document forbids.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type FlagServer, type FlagsDocument } from '../../lib/server/index.js';
import { ADMIN_KEY, PROD_KEY } from './fixtures.js';
import { bearer, BULK, ofrepFlags } from './ofrep-fixtures.js';
import { OfrepOpenApi, sseEvent, vendored, type OfrepPath, type ReceivedResponse } from './ofrep-openapi.js';
import { openSse } from './sse-reader.js';

const openapi = new OfrepOpenApi();
const SINGLE: OfrepPath = '/ofrep/v1/evaluate/flags/{key}';

/** {@link ofrepFlags} plus every value kind OFREP has: a float, and a json flag whose variant is null. */
function conformanceFlags(): FlagsDocument {
  const document = ofrepFlags();
  document.projects[0]!.flags!.push(
    { key: 'ratio', type: 'number', variants: ['0.25', '1'], defaultVariant: '0.25', environments: { production: { enabled: true } } },
    { key: 'nothing', type: 'json', variants: ['null', '{}'], defaultVariant: 'null', environments: { production: { enabled: true } } },
  );
  return document;
}

const FLAG_KEYS = conformanceFlags().projects[0]!.flags!.map((flag) => flag.key);
const CONTEXTS = [{ targetingKey: 'u1', plan: 'pro' }, { targetingKey: 'user-1' }, { targetingKey: '' }, {}];

describe('the repaired OFREP schemas still reject what the document forbids', () => {
  const item = { key: 'max-items', reason: 'STATIC', variant: '25', value: 25, metadata: { type: 'number' } };
  const success = (changes: Record<string, unknown>): unknown => ({ ...item, ...changes });

  it.each<[string, unknown]>([
    ['an integer', success({})],
    ['a float', success({ value: 0.25 })],
    ['a string', success({ value: 'blue' })],
    ['a boolean', success({ value: false })],
    ['an object', success({ value: { cols: 3 } })],
    ['a code default (no value)', { key: 'banner', reason: 'DISABLED' }],
    ['DEFAULT (repair 3)', success({ reason: 'DEFAULT' })],
  ])('accepts %s', (_, value) => {
    expect(openapi.schemaErrors('evaluationSuccess', value)).toEqual([]);
  });

  it.each<[string, unknown]>([
    ['a numeric reason', success({ reason: 42 })],
    ['a reason outside the enum', success({ reason: 'CACHED' })],
    ['no key', { reason: 'STATIC', value: 25 }],
    ['no reason', { key: 'max-items', value: 25 }],
    ['a null value', success({ value: null })],
    ['an array value', success({ value: [1, 2] })],
    ['a numeric variant', success({ variant: 25 })],
    ['an object in metadata', success({ metadata: { nested: {} } })],
  ])('rejects an item with %s', (_, value) => {
    expect(openapi.schemaErrors('evaluationSuccess', value)).not.toEqual([]);
  });

  it('keeps the vendored reason enum but for DEFAULT, and leaves the vendored file as it is', () => {
    const raw = vendored('openapi.yaml').components.schemas;
    expect(raw.codeDefaultFlag).toEqual({ description: expect.any(String), type: 'object', properties: {} });
    const repaired = openapi.document.components.schemas.evaluationSuccess.allOf[0].properties.reason.enum;
    expect(repaired).toEqual([...raw.evaluationSuccess.allOf[0].properties.reason.enum, 'DEFAULT']);
  });

  it.each<[string, string, unknown]>([
    ['a failure item with an unknown code', 'evaluationFailure', { key: 'x', errorCode: 'NOPE' }],
    ['a failure item without key', 'evaluationFailure', { errorCode: 'GENERAL' }],
    ['a bulk answer without flags', 'bulkEvaluationSuccess', { metadata: {} }],
    ['an event stream with both url and endpoint', 'eventStream', { type: 'sse', url: 'http://x/s', endpoint: { requestUri: '/s' } }],
    ['an endpoint whose requestUri is not a path', 'eventStream', { type: 'sse', endpoint: { requestUri: 'stream' } }],
    ['a 404 with another code', 'flagNotFound', { key: 'x', errorCode: 'GENERAL' }],
  ])('rejects %s', (_, schema, value) => {
    expect(openapi.schemaErrors(schema, value)).not.toEqual([]);
  });

  it('rejects events with a non-string data, a negative lastModified, or no type', () => {
    expect(openapi.eventErrors({ data: '{"type":"refetchEvaluation","etag":"\\"2\\"","lastModified":1771622898}', id: '2', event: 'message' })).toEqual([]);
    expect(openapi.eventErrors({ data: 42 as unknown as string })).not.toEqual([]);
    expect(openapi.eventErrors({ data: '{"type":"refetchEvaluation","lastModified":-1}' })).not.toEqual([]);
    expect(openapi.eventErrors({ data: '{"etag":"x"}' })).not.toEqual([]);
  });

  it('rejects a status the route does not list, a body where none is defined, and a wrong content type', () => {
    const res = (status: number, body: string, type = 'application/json'): ReceivedResponse => ({ status, body, headers: new Headers({ 'content-type': type }) });
    expect(openapi.responseErrors(BULK, res(404, '{"key":"x","errorCode":"FLAG_NOT_FOUND"}'))).not.toEqual([]);
    expect(openapi.responseErrors(BULK, res(401, '{}'))).not.toEqual([]);
    expect(openapi.responseErrors(SINGLE, res(200, JSON.stringify(item), 'text/plain'))).not.toEqual([]);
    expect(openapi.responseErrors(SINGLE, res(200, JSON.stringify(item)))).toEqual([]);
  });
});

describe('every OFREP response of the local server conforms to the OpenAPI document', () => {
  let server: FlagServer;
  beforeAll(async () => {
    server = await startServer({ flags: conformanceFlags(), heartbeatMs: 50, logger: { warn() {}, error() {} } });
  });
  afterAll(() => server.close());

  /** POST an OFREP route and read the whole response. */
  async function call(url: string, body: unknown, headers: Record<string, string> = bearer(PROD_KEY)): Promise<ReceivedResponse> {
    const res = await fetch(`${server.url}${url}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, body: await res.text() };
  }

  /** Call, check against the document, and return the response. */
  async function conforming(path: OfrepPath, url: string, body: unknown, headers?: Record<string, string>): Promise<ReceivedResponse> {
    const res = await call(url, body, headers);
    expect({ url, status: res.status, errors: openapi.responseErrors(path, res) }).toEqual({ url, status: res.status, errors: [] });
    return res;
  }

  const bulk = (body: unknown, headers?: Record<string, string>, query = ''): Promise<ReceivedResponse> => conforming(BULK, `${BULK}${query}`, body, headers);
  const single = (key: string, body: unknown, headers?: Record<string, string>): Promise<ReceivedResponse> =>
    conforming(SINGLE, `${BULK}/${encodeURIComponent(key)}`, body, headers);

  it('bulk 200 for every context, both auth headers, and the switches that change items; with an ETag', async () => {
    for (const context of CONTEXTS) {
      const res = await bulk({ context });
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toMatch(/^".+"$/);
      const reasons = (JSON.parse(res.body) as { flags: { reason: string }[] }).flags.map((f) => f.reason);
      expect(reasons.length).toBe(FLAG_KEYS.length);
    }
    expect((await bulk({ context: {} }, { 'X-API-Key': PROD_KEY })).status).toBe(200);
    expect((await bulk({ context: {} }, undefined, `?flagConfigEtag=${encodeURIComponent(server.configEtag)}&flagConfigLastModified=1771622898`)).status).toBe(200);
    server.setOfrep({ disabledServesDefault: true, failingFlags: { banner: 'PARSE_ERROR', ratio: 'GENERAL', layout: 'TARGETING_KEY_MISSING', config: 'INVALID_CONTEXT' } });
    try {
      const body = JSON.parse((await bulk({ context: CONTEXTS[0] })).body) as { flags: { errorCode?: string }[] };
      expect(body.flags.filter((f) => f.errorCode !== undefined).length).toBe(4);
    } finally {
      server.setOfrep({ disabledServesDefault: undefined, failingFlags: undefined });
    }
  });

  it('bulk: every reason the server gives is present in this run', async () => {
    const reasons = new Set<string>();
    for (const context of CONTEXTS) {
      for (const flag of (JSON.parse((await bulk({ context })).body) as { flags: { reason: string }[] }).flags) reasons.add(flag.reason);
    }
    expect([...reasons].sort()).toEqual(['DEFAULT', 'DISABLED', 'SPLIT', 'STATIC', 'TARGETING_MATCH']);
  });

  it('bulk 304 on a matching If-None-Match, with no body', async () => {
    const first = await bulk({ context: CONTEXTS[0] });
    const etag = first.headers.get('etag')!;
    const again = await bulk({ context: CONTEXTS[0] }, { ...bearer(PROD_KEY), 'If-None-Match': `"other", ${etag}` });
    expect([again.status, again.body]).toEqual([304, '']);
  });

  it('single 200 for every flag and context', async () => {
    for (const context of CONTEXTS) {
      for (const key of FLAG_KEYS) expect((await single(key, { context })).status).toBe(200);
    }
  });

  it('400 with each error code on both routes: bulk without key, single with it', async () => {
    const cases: [unknown, string][] = [['{"context":', 'PARSE_ERROR'], [{}, 'INVALID_CONTEXT'], [{ context: { targetingKey: 7 } }, 'INVALID_CONTEXT']];
    for (const [body, errorCode] of cases) {
      expect(JSON.parse((await bulk(body)).body)).toEqual({ errorCode, errorDetails: expect.any(String) });
      expect(JSON.parse((await single('dark-mode', body)).body)).toEqual({ key: 'dark-mode', errorCode, errorDetails: expect.any(String) });
    }
    server.setOfrep({ requireTargetingKey: true, failingFlags: { banner: 'GENERAL' } });
    try {
      expect((await bulk({ context: {} })).status).toBe(400);
      expect((await single('dark-mode', { context: {} })).status).toBe(400);
      expect(JSON.parse((await single('banner', { context: CONTEXTS[0] })).body)).toMatchObject({ key: 'banner', errorCode: 'GENERAL' });
    } finally {
      server.setOfrep({ requireTargetingKey: undefined, failingFlags: undefined });
    }
  });

  it('single 404 FLAG_NOT_FOUND for an unknown key', async () => {
    expect((await single('no-such-flag', { context: CONTEXTS[0] })).status).toBe(404);
  });

  it('401 without or with an unknown key, 403 for the admin key: no body, on both routes', async () => {
    const callers: [Record<string, string>, number][] = [[{}, 401], [bearer('cg_unknown'), 401], [{ 'X-API-Key': 'cg_unknown' }, 401], [bearer(ADMIN_KEY), 403]];
    for (const [headers, status] of callers) {
      expect((await bulk({ context: {} }, headers)).status).toBe(status);
      expect((await single('dark-mode', { context: {} }, headers)).status).toBe(status);
    }
  });

  it('429 with Retry-After as seconds or an ISO date (switch) and from the rate limit, on both routes', async () => {
    const statuses: (string | null)[] = [];
    for (const retryAfter of [120, { date: new Date('2030-02-07T12:00:00Z'), form: 'iso' as const }]) {
      server.setOfrep({ retryAfter });
      try {
        for (const res of [await bulk({ context: {} }), await single('dark-mode', { context: {} })]) statuses.push(`${res.status} ${res.headers.get('retry-after')}`);
      } finally {
        server.setOfrep({ retryAfter: undefined });
      }
    }
    server.setRateLimit({ limit: 0, windowMs: 60_000 });
    try {
      for (const res of [await bulk({ context: {} }), await single('dark-mode', { context: {} })]) statuses.push(`${res.status} ${res.headers.get('retry-after')}`);
    } finally {
      server.setRateLimit(undefined);
    }
    expect(statuses).toEqual(['429 120', '429 120', '429 2030-02-07T12:00:00Z', '429 2030-02-07T12:00:00Z', '429 60', '429 60']);
  });

  it('bulk 500 for an event-triggered refetch the server has not caught up with (switch)', async () => {
    server.setOfrep({ refetchFailureStatus: 500 });
    try {
      const res = await bulk({ context: {} }, undefined, `?flagConfigEtag=${encodeURIComponent(server.configEtag)}&flagConfigLastModified=1771622898`);
      expect(res.status).toBe(500);
    } finally {
      server.setOfrep({ refetchFailureStatus: undefined });
    }
  });

  it('the stream from eventStreams: text/event-stream, heartbeat comments, and events valid against sseEvent and sseEventData', async () => {
    const first = JSON.parse((await bulk({ context: {} })).body) as { eventStreams: { type: string; endpoint: { requestUri: string } }[] };
    expect(first.eventStreams.map((stream) => stream.type)).toEqual(['sse']);
    const stream = await openSse(`${server.url}${first.eventStreams[0]!.endpoint.requestUri}`, undefined);
    try {
      expect(stream.response.status).toBe(200);
      expect(stream.response.headers.get('content-type')).toBe(Object.keys(openapi.eventStreams.components.pathItems.eventStreamConnection.get.responses['200'].content)[0]);
      const heartbeat = await stream.next();
      expect(heartbeat?.raw).toBe(': ping');
      expect(sseEvent(heartbeat!.raw)).toBeUndefined();
      server.toggle('demo', 'production', 'dark-mode', false);
      server.setFlags(conformanceFlags());
      for (let i = 0; i < 2; i++) {
        const frame = await stream.nextData();
        const event = sseEvent(frame!.raw)!;
        expect(event).toMatchObject({ event: 'message', id: expect.stringMatching(/^\d+$/) });
        expect(openapi.eventErrors(event)).toEqual([]);
      }
    } finally {
      stream.close();
    }
  });
});

describe('what the document does not describe, on purpose', () => {
  let server: FlagServer;
  const warnings: string[] = [];
  beforeAll(async () => {
    const document = conformanceFlags();
    document.projects[0]!.flags!.push({ key: 'list', type: 'json', variants: ['[1,2]'], defaultVariant: '[1,2]', environments: { production: { enabled: true } } });
    server = await startServer({ flags: document, maxBodyBytes: 256, logger: { warn: (m) => void warnings.push(m), error() {} } });
  });
  afterAll(() => server.close());

  async function call(url: string, body: string, headers: Record<string, string> = bearer(PROD_KEY)): Promise<ReceivedResponse> {
    const res = await fetch(`${server.url}${url}`, { method: 'POST', headers, body });
    return { status: res.status, headers: res.headers, body: await res.text() };
  }

  it('an array json value is sent as it is, and only that item falls outside the document (the flags-file loader warns about it)', async () => {
    const received = await call(BULK, '{"context":{}}');
    const index = FLAG_KEYS.length;
    const errors = openapi.responseErrors(BULK, received);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.filter((error) => !new RegExp(`^body/flags/${index}[ /]`).test(error))).toEqual([]);
    expect(warnings).toEqual([
      expect.stringContaining(`flags[${FLAG_KEYS.indexOf('nothing')}].variants[0]: OFREP has no null value`),
      expect.stringContaining(`flags[${index}].variants[0]: an array is outside OFREP's object value`),
    ]);
  });

  it('429 with an IMF-fixdate Retry-After (a switch for testing clients against HTTP servers): HTTP\'s date form, not the document\'s date-time', async () => {
    server.setOfrep({ retryAfter: { date: new Date('2030-02-07T12:00:00Z'), form: 'imf-fixdate' } });
    try {
      const res = await call(BULK, '{"context":{}}');
      expect(res.headers.get('retry-after')).toBe('Thu, 07 Feb 2030 12:00:00 GMT');
      const errors = openapi.responseErrors(BULK, res);
      expect(errors).toContain('header Retry-After must match format "date-time" (#/oneOf/0/format)');
      expect(errors.every((error) => error.startsWith('header Retry-After '))).toBe(true);
    } finally {
      server.setOfrep({ retryAfter: undefined });
    }
  });

  it('413 for a body over the limit: a status the document does not list, with a failure body', async () => {
    const res = await call(BULK, JSON.stringify({ context: { pad: 'x'.repeat(300) } }));
    expect([res.status, res.headers.get('content-type'), JSON.parse(res.body)]).toEqual([413, 'application/json', { errorCode: 'GENERAL', errorDetails: 'request body exceeds 256 bytes' }]);
    expect(openapi.responseErrors(BULK, res)).toEqual([expect.stringMatching(/^status 413 is not a response/)]);
    expect(openapi.schemaErrors('bulkEvaluationFailure', JSON.parse(res.body))).toEqual([]);
  });

  it('the stream refuses an unknown channel (401) and the admin key (403) without a body; the supplement documents only its 200', async () => {
    for (const [query, headers, status] of [['?channel=nope', {}, 401], ['', bearer(ADMIN_KEY), 403]] as const) {
      const res = await fetch(`${server.url}/ofrep/v1/stream${query}`, { headers });
      expect([res.status, await res.text()]).toEqual([status, '']);
    }
    expect(Object.keys(openapi.eventStreams.components.pathItems.eventStreamConnection.get.responses)).toEqual(['200']);
  });
});
