import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type FlagServer, type ServerOptions } from '../../lib/server/index.js';
import { ADMIN_KEY, demoFlags, envPath, OTHER_KEY, post, PROD_KEY, STAGING_KEY } from './fixtures.js';
import { closeAll, openSse, type SseReader } from './sse-reader.js';

const SECONDS_Z = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

let server: FlagServer | undefined;
const streams: SseReader[] = [];

afterEach(async () => {
  await closeAll(streams, server);
  server = undefined;
});

async function start(options: ServerOptions = {}): Promise<FlagServer> {
  server = await startServer({ flags: demoFlags(), logger: { warn() {}, error() {} }, ...options });
  return server;
}

async function stream(s: FlagServer, token = PROD_KEY, env = 'production'): Promise<SseReader> {
  const reader = await openSse(`${s.url}${envPath('demo', env)}/flags/stream`, token);
  streams.push(reader);
  return reader;
}

/** PATCH a toggle; `token: null` sends no Authorization header. */
function patch(s: FlagServer, key: string, body: unknown, token: string | null = ADMIN_KEY, env = 'production'): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  return fetch(`${s.url}${envPath('demo', env)}/flags/${key}`, { method: 'PATCH', headers, body: JSON.stringify(body) });
}

async function expectError(response: Promise<Response>, status: number, error: string, message: string): Promise<void> {
  const res = await response;
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/json');
  expect(await res.text()).toBe(`${JSON.stringify({ error, message })}\n`);
}

describe('startServer', () => {
  it('binds 127.0.0.1 on a free port by default', async () => {
    const s = await start();
    expect(s.host).toBe('127.0.0.1');
    expect(s.port).toBeGreaterThan(0);
    expect(s.url).toBe(`http://127.0.0.1:${s.port}`);
  });

  it.each<[string, ServerOptions]>([
    ['flags', { flags: demoFlags(), file: 'flags.json' }],
    ['heartbeatMs', { heartbeatMs: 0 }],
    ['port', { port: -1 }],
    ['rateLimit.windowMs', { rateLimit: { limit: 1, windowMs: 0.5 } }],
  ])('rejects a bad %s option with ConfigError', async (field, options) => {
    await expect(startServer(options)).rejects.toMatchObject({ name: 'ConfigError', field });
  });

  it('rejects an invalid document with FlagsFileError', async () => {
    await expect(startServer({ flags: { projects: [{ slug: 'x' }] } as never })).rejects.toThrow(
      /projects\[0\]\.environments: is required/,
    );
  });
});

describe('evaluation routes', () => {
  it('GET /healthz answers {"status":"ok"} without auth', async () => {
    const s = await start();
    const res = await fetch(`${s.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"status":"ok"}\n');
  });

  it('bulk-evaluates every flag in file order with the exact wire shape', async () => {
    const s = await start();
    const res = await post(`${s.url}${envPath()}/evaluate`, PROD_KEY, { context: { user_id: 'u', attributes: { plan: 'pro' } } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('cache-control')).toBeNull();
    const text = await res.text();
    const evaluatedAt = (JSON.parse(text) as { evaluated_at: string }).evaluated_at;
    expect(evaluatedAt).toMatch(SECONDS_Z);
    expect(text).toBe(
      '{"flags":[' +
        '{"key":"dark-mode","enabled":true,"value":null,"value_key":"true","reason":"rule_match","type":"bool"},' +
        '{"key":"banner","enabled":false,"value":"control","value_key":"control","reason":"disabled","type":"string"},' +
        '{"key":"max-items","enabled":true,"value":"25","value_key":"25","reason":"default","type":"number"},' +
        '{"key":"config","enabled":false,"value":"{\\"a\\":1}","value_key":"{\\"a\\":1}","reason":"disabled","type":"json"}' +
        `],"evaluated_at":"${evaluatedAt}"}\n`,
    );
  });

  it('answers "flags":[] for a project without flags', async () => {
    const s = await start();
    const body = (await (await post(`${s.url}${envPath('other')}/evaluate`, OTHER_KEY)).json()) as Record<string, unknown>;
    expect(body.flags).toEqual([]);
    expect(body.evaluated_at).toMatch(SECONDS_Z);
  });

  it('evaluates one flag without evaluated_at', async () => {
    const s = await start();
    const res = await post(`${s.url}${envPath()}/flags/dark-mode/evaluate`, PROD_KEY, { context: { user_id: 'user-1' } });
    expect(await res.text()).toBe('{"key":"dark-mode","enabled":true,"value":null,"value_key":"true","reason":"rule_match","type":"bool"}\n');
  });

  it('answers 404 for an unknown flag on the single route', async () => {
    const s = await start();
    await expectError(post(`${s.url}${envPath()}/flags/nope/evaluate`, PROD_KEY), 404, 'not_found', 'resource not found');
  });

  it('lets the admin key evaluate any project and environment', async () => {
    const s = await start();
    expect((await post(`${s.url}${envPath('demo', 'staging')}/evaluate`, ADMIN_KEY)).status).toBe(200);
    expect((await post(`${s.url}${envPath('other')}/evaluate`, ADMIN_KEY)).status).toBe(200);
  });
});

describe('request bodies', () => {
  const single = (s: FlagServer, body: unknown) => post(`${s.url}${envPath()}/flags/dark-mode/evaluate`, PROD_KEY, body);

  it.each<[string, string]>([
    ['an empty body', ''],
    ['invalid JSON', '{"context":'],
    ['a string body', '"context"'],
    ['a number attribute', '{"context":{"attributes":{"plan":5}}}'],
    ['a boolean attribute', '{"context":{"attributes":{"beta":true}}}'],
    ['an object attribute', '{"context":{"attributes":{"a":{}}}}'],
    ['attributes as an array', '{"context":{"attributes":["pro"]}}'],
    ['a numeric user_id', '{"context":{"user_id":42}}'],
    ['a string context', '{"context":"x"}'],
  ])('rejects %s with 400 invalid request body', async (_name, body) => {
    const s = await start();
    await expectError(single(s, body), 400, 'bad_request', 'invalid request body');
  });

  it.each([['{}'], ['{"context":null}'], ['null']])('rejects %s with 400 context is required', async (body) => {
    const s = await start();
    await expectError(single(s, body), 400, 'bad_request', 'context is required');
  });

  it('accepts null attributes and user ids, case-insensitive names, unknown fields and trailing bytes', async () => {
    const s = await start();
    const ok = async (body: string): Promise<string> => {
      const res = await single(s, body);
      expect(res.status).toBe(200);
      return ((await res.json()) as { value_key: string }).value_key;
    };
    expect(await ok('{"context":{"user_id":null,"attributes":null}}')).toBe('false');
    expect(await ok('{"CONTEXT":{"User_Id":"user-1"},"extra":[1,2]}')).toBe('true');
    expect(await ok('{"context":{"attributes":{"plan":"pro"}}} trailing {garbage')).toBe('true');
    expect(await ok('{"context":{"attributes":{"plan":null}}}')).toBe('false');
  });

  it('counts a null attribute as present with the value ""', async () => {
    const flags = demoFlags();
    flags.projects[0]!.flags![0]!.environments!.production!.rules = [
      { priority: 1, conditions: [{ attribute: 'plan', operator: 'neq', values: ['pro'] }], variant: 'true' },
    ];
    const s = await start({ flags });
    const valueKey = async (attributes: string) =>
      ((await (await single(s, `{"context":{"attributes":${attributes}}}`)).json()) as { value_key: string }).value_key;
    expect(await valueKey('{"plan":null}')).toBe('true');
    expect(await valueKey('{}')).toBe('false');
  });

  it('answers 413 with JSON for a body over the limit', async () => {
    const s = await start({ maxBodyBytes: 64 });
    const res = await single(s, { context: { attributes: { pad: 'x'.repeat(200) } } });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: 'payload_too_large', message: 'request body exceeds 64 bytes' });
  });
});

describe('errors and their precedence', () => {
  const bulk = (s: FlagServer, token: string | undefined, project = 'demo', env = 'production', body: unknown = { context: {} }) =>
    post(`${s.url}${envPath(project, env)}/evaluate`, token, body);

  it.each<[string, Record<string, string>]>([
    ['no Authorization header', {}],
    ['another scheme', { Authorization: `Basic ${PROD_KEY}` }],
    ['an unknown key', { Authorization: 'Bearer cg_unknown' }],
    ['an empty token', { Authorization: 'Bearer ' }],
  ])('answers 401 for %s', async (_name, headers) => {
    const s = await start();
    const res = fetch(`${s.url}${envPath()}/evaluate`, { method: 'POST', headers, body: '{"context":{}}' });
    await expectError(res, 401, 'unauthorized', 'authentication required');
  });

  it('checks auth before the project', async () => {
    const s = await start();
    await expectError(bulk(s, 'cg_unknown', 'nope'), 401, 'unauthorized', 'authentication required');
  });

  it('answers 404 for an unknown project before checking the body', async () => {
    const s = await start();
    await expectError(bulk(s, PROD_KEY, 'nope', 'production', 'not json'), 404, 'not_found', 'resource not found');
  });

  it('can answer 403 for an unknown project', async () => {
    const s = await start({ unknownProjectStatus: 403 });
    await expectError(bulk(s, PROD_KEY, 'nope'), 403, 'forbidden', 'access denied');
  });

  it('answers 403 for an unknown environment before checking the body', async () => {
    const s = await start();
    await expectError(bulk(s, PROD_KEY, 'demo', 'qa', 'not json'), 403, 'forbidden', 'access denied: this API key belongs to demo/production, not demo/qa (no such environment)');
  });

  it('scopes an API key to its own project and environment', async () => {
    const s = await start();
    // The message names where the key belongs (never the key), so a wrong slug does not read like a bad key.
    await expectError(bulk(s, STAGING_KEY, 'demo', 'production'), 403, 'forbidden', 'access denied: this API key belongs to demo/staging, not demo/production');
    await expectError(bulk(s, OTHER_KEY, 'demo', 'production'), 403, 'forbidden', 'access denied: this API key belongs to other/production, not demo/production');
    await expectError(
      post(`${s.url}${envPath('demo', 'staging')}/flags/dark-mode/evaluate`, PROD_KEY),
      403,
      'forbidden',
      'access denied: this API key belongs to demo/production, not demo/staging',
    );
    expect((await bulk(s, STAGING_KEY, 'demo', 'staging')).status).toBe(200);
  });

  it('answers unknown routes with 404 JSON and wrong methods with 405 JSON', async () => {
    const s = await start();
    await expectError(fetch(`${s.url}/nope`), 404, 'not_found', 'resource not found');
    await expectError(fetch(`${s.url}/api/v1/projects/demo`), 404, 'not_found', 'resource not found');
    await expectError(fetch(`${s.url}/api/v1/projects/%E0%A4%A/environments/x/evaluate`), 404, 'not_found', 'resource not found');
    const res = await fetch(`${s.url}${envPath()}/evaluate`);
    expect(res.headers.get('allow')).toBe('POST');
    await expectError(Promise.resolve(res), 405, 'method_not_allowed', 'method not allowed');
    expect(s.requests.unknown).toBe(3);
  });

  it('survives a malformed HTTP request', async () => {
    const s = await start();
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(s.port, '127.0.0.1', () => socket.end('NOT HTTP AT ALL\r\n\r\n'));
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
  });
});

describe('rate limiting', () => {
  it('is off by default', async () => {
    const s = await start();
    for (let i = 0; i < 20; i++) expect((await post(`${s.url}${envPath()}/evaluate`, PROD_KEY)).status).toBe(200);
  });

  it('answers 429 with an empty body and Retry-After once the shared API-key bucket is full', async () => {
    const s = await start({ rateLimit: { limit: 2, windowMs: 60_000 } });
    expect((await post(`${s.url}${envPath()}/evaluate`, PROD_KEY)).status).toBe(200);
    expect((await post(`${s.url}${envPath('demo', 'staging')}/flags/banner/evaluate`, STAGING_KEY)).status).toBe(200);
    const res = await post(`${s.url}${envPath()}/evaluate`, PROD_KEY);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('60');
    expect(await res.text()).toBe('');
    // the admin key has its own bucket; streams and health are not limited
    expect((await post(`${s.url}${envPath()}/evaluate`, ADMIN_KEY)).status).toBe(200);
    expect((await stream(s)).response.status).toBe(200);
  });

  it('checks the limit after the project and before the environment', async () => {
    const s = await start({ rateLimit: { limit: 0, windowMs: 1_000 } });
    expect((await post(`${s.url}${envPath('nope')}/evaluate`, PROD_KEY)).status).toBe(404);
    expect((await post(`${s.url}${envPath('demo', 'qa')}/evaluate`, PROD_KEY)).status).toBe(429);
  });

  it('can give each key its own bucket, and be changed at runtime', async () => {
    const s = await start({ rateLimit: { limit: 1, windowMs: 60_000, perKey: true } });
    expect((await post(`${s.url}${envPath()}/evaluate`, PROD_KEY)).status).toBe(200);
    expect((await post(`${s.url}${envPath('demo', 'staging')}/evaluate`, STAGING_KEY)).status).toBe(200);
    expect((await post(`${s.url}${envPath()}/evaluate`, PROD_KEY)).status).toBe(429);
    s.setRateLimit(undefined);
    expect((await post(`${s.url}${envPath()}/evaluate`, PROD_KEY)).status).toBe(200);
  });
});

describe('flag-change stream', () => {
  it('answers 200 text/event-stream with no initial event, then heartbeats', async () => {
    const s = await start({ heartbeatMs: 20 });
    const reader = await stream(s);
    expect(reader.response.status).toBe(200);
    expect(reader.response.headers.get('content-type')).toBe('text/event-stream');
    expect(reader.response.headers.get('cache-control')).toBe('no-cache');
    expect(await reader.next()).toEqual({ raw: ': keep-alive', comments: [': keep-alive'], data: undefined });
  });

  it('sends a data-only flag.state_changed frame after a toggle, once the new state is visible', async () => {
    const s = await start();
    const reader = await stream(s);
    const res = await patch(s, 'dark-mode', { enabled: false });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"enabled":false}\n');
    const frame = await reader.nextData();
    const event = JSON.parse(frame!.data!) as Record<string, unknown>;
    expect(frame!.raw).toBe(`data: ${JSON.stringify(event)}`);
    expect(Object.keys(event)).toEqual(['type', 'project', 'environment', 'flag_key', 'enabled', 'occurred_at']);
    expect(event).toMatchObject({ type: 'flag.state_changed', project: 'demo', environment: 'production', flag_key: 'dark-mode', enabled: false });
    expect(event.occurred_at).toMatch(SECONDS_Z);
    const evaluated = await post(`${s.url}${envPath()}/flags/dark-mode/evaluate`, PROD_KEY, { context: { attributes: { plan: 'pro' } } });
    expect(await evaluated.json()).toMatchObject({ enabled: false, reason: 'disabled', value_key: 'false' });
  });

  it('emits on every toggle, even when the state does not change, only to streams of that environment', async () => {
    const s = await start();
    const production = await stream(s);
    const staging = await stream(s, STAGING_KEY, 'staging');
    await patch(s, 'max-items', { enabled: true });
    await patch(s, 'banner', { enabled: false }, ADMIN_KEY, 'staging');
    expect(JSON.parse((await production.nextData())!.data!)).toMatchObject({ flag_key: 'max-items', enabled: true });
    expect(JSON.parse((await staging.nextData())!.data!)).toMatchObject({ flag_key: 'banner', environment: 'staging', enabled: false });
  });

  it('refuses streams for unknown projects and environments, other scopes and bad keys', async () => {
    const s = await start();
    const get = (path: string, token = PROD_KEY) => fetch(`${s.url}${path}`, { headers: { Authorization: `Bearer ${token}` } });
    await expectError(get(`${envPath('nope')}/flags/stream`), 404, 'not_found', 'resource not found');
    await expectError(get(`${envPath('demo', 'qa')}/flags/stream`), 404, 'not_found', 'resource not found');
    await expectError(get(`${envPath('demo', 'staging')}/flags/stream`), 403, 'forbidden', 'access denied: this API key belongs to demo/production, not demo/staging');
    await expectError(get(`${envPath()}/flags/stream`, 'cg_nope'), 401, 'unauthorized', 'authentication required');
  });

  it('can answer 500 "streaming unsupported" like the reference commit', async () => {
    const s = await start({ brokenStream: true });
    const res = await fetch(`${s.url}${envPath()}/flags/stream`, { headers: { Authorization: `Bearer ${PROD_KEY}` } });
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('streaming unsupported\n');
    s.setBrokenStream(false);
    expect((await stream(s)).response.status).toBe(200);
  });
});

describe('toggle route', () => {
  it('needs the admin key: 401 without a valid token, 403 for an API key', async () => {
    const s = await start();
    await expectError(patch(s, 'dark-mode', { enabled: false }, null), 401, 'unauthorized', 'authentication required');
    await expectError(patch(s, 'dark-mode', { enabled: false }, 'wrong'), 401, 'unauthorized', 'authentication required');
    await expectError(patch(s, 'dark-mode', { enabled: false }, PROD_KEY), 403, 'forbidden', 'access denied');
  });

  it('validates the body and the flag', async () => {
    const s = await start();
    await expectError(patch(s, 'dark-mode', { enabled: 'no' }), 400, 'bad_request', 'invalid request body');
    await expectError(patch(s, 'nope', { enabled: true }), 404, 'not_found', 'resource not found');
  });

  it('turns on a flag that had no state in the environment', async () => {
    const s = await start();
    expect((await patch(s, 'config', { enabled: true }, ADMIN_KEY, 'staging')).status).toBe(200);
    const res = await post(`${s.url}${envPath('demo', 'staging')}/flags/config/evaluate`, STAGING_KEY);
    expect(await res.json()).toMatchObject({ enabled: true, reason: 'default' });
  });
});

describe('test hooks', () => {
  it('counts requests per route and logs the decoded context', async () => {
    const s = await start();
    await post(`${s.url}${envPath()}/evaluate`, PROD_KEY, { context: { user_id: 'u1', attributes: { plan: 'pro' } } });
    await fetch(`${s.url}/healthz`);
    expect(s.requests).toMatchObject({ health: 1, bulk: 1, single: 0, stream: 0, toggle: 0, unknown: 0, total: 2 });
    expect(Object.entries(s.requests).filter(([, n]) => n > 0)).toEqual([
      ['health', 1],
      ['bulk', 1],
      ['total', 2],
    ]);
    expect(s.requestLog[0]).toMatchObject({
      method: 'POST',
      path: `${envPath()}/evaluate`,
      route: 'bulk',
      status: 200,
      context: { userId: 'u1', attributes: { plan: 'pro' } },
    });
    s.resetRequests();
    expect(s.requests.total).toBe(0);
    expect(s.requestLog).toEqual([]);
  });

  it('dropStreams ends every stream cleanly and waitForStreams sees reconnects', async () => {
    const s = await start();
    const first = await stream(s);
    await s.waitForStreams(1);
    expect(s.dropStreams()).toBe(1);
    expect(await first.next()).toBeUndefined();
    expect(s.streamCount).toBe(0);
    const waiting = s.waitForStreams(1);
    await stream(s);
    await waiting;
    expect(s.streamCount).toBe(1);
  });

  it('toggle() emits like the PATCH route; setDropEvents discards events', async () => {
    const s = await start();
    const reader = await stream(s);
    s.setDropEvents(true);
    s.toggle('demo', 'production', 'banner', true);
    s.setDropEvents(false);
    s.toggle('demo', 'production', 'max-items', false);
    expect(JSON.parse((await reader.nextData())!.data!)).toMatchObject({ flag_key: 'max-items', enabled: false });
    expect(s.flags.projects[0]!.flags![1]!.environments!.production!.enabled).toBe(true);
    expect(() => s.toggle('demo', 'production', 'nope', true)).toThrow(/no flag nope/);
  });

  it('setFlags swaps the document and emits one event per changed flag', async () => {
    const s = await start();
    const reader = await stream(s);
    const next = demoFlags();
    next.projects[0]!.flags![2]!.environments!.production!.rules = [{ priority: 1, variant: '10' }];
    next.projects[0]!.flags![3]!.environments = { production: { enabled: true } };
    const changes = s.setFlags(next);
    expect(changes).toEqual([
      { project: 'demo', environment: 'production', flagKey: 'max-items', enabled: true },
      { project: 'demo', environment: 'production', flagKey: 'config', enabled: true },
    ]);
    expect(JSON.parse((await reader.nextData())!.data!)).toMatchObject({ flag_key: 'max-items' });
    expect(JSON.parse((await reader.nextData())!.data!)).toMatchObject({ flag_key: 'config', enabled: true });
    const res = await post(`${s.url}${envPath()}/flags/max-items/evaluate`, PROD_KEY);
    expect(await res.json()).toMatchObject({ value_key: '10' });
    expect(() => s.setFlags({ projects: 'none' })).toThrow(/projects: expected an array/);
  });

  it('reports a default-variant change in every environment, since disabled flags serve it', async () => {
    const s = await start();
    const next = demoFlags();
    next.projects[0]!.flags![2]!.defaultVariant = '10';
    expect(s.setFlags(next).map((c) => `${c.environment}:${c.flagKey}:${c.enabled}`)).toEqual([
      'production:max-items:true',
      'staging:max-items:false',
    ]);
  });

  it('reports flags whose referenced segment changed, and removed flags as disabled', async () => {
    const s = await start();
    const next = demoFlags();
    next.projects[0]!.segments = [{ slug: 'beta', members: ['user-1', 'user-2'] }];
    next.projects[0]!.flags!.splice(1, 1);
    expect(s.setFlags(next)).toEqual([
      { project: 'demo', environment: 'production', flagKey: 'dark-mode', enabled: true },
      { project: 'demo', environment: 'production', flagKey: 'banner', enabled: false },
      { project: 'demo', environment: 'staging', flagKey: 'banner', enabled: false },
    ]);
  });

  it('reports a flag whose rule got another id or position, since reasons name both', async () => {
    const s = await start();
    const reader = await stream(s);
    const renamed = demoFlags();
    const rules = renamed.projects[0]!.flags![0]!.environments!.production!.rules!;
    rules[0]!.id = 'pro-plan';
    expect(s.setFlags(renamed)).toEqual([{ project: 'demo', environment: 'production', flagKey: 'dark-mode', enabled: true }]);
    expect(JSON.parse((await reader.nextData())!.data!)).toMatchObject({ flag_key: 'dark-mode' });
    const shifted = structuredClone(renamed);
    shifted.projects[0]!.flags![0]!.environments!.production!.rules!.unshift({ priority: 9, enabled: false, variant: 'false' });
    expect(s.setFlags(shifted).map((c) => c.flagKey)).toEqual(['dark-mode']);
    const res = await fetch(`${s.url}/api/v1/sdk/flags?withReasons=true`, { headers: { Authorization: `Bearer ${PROD_KEY}`, 'X-User-Attributes': '{"plan":"pro"}', 'X-User-ID': 'u' } });
    expect(((await res.json()) as { reasons: Record<string, unknown> }).reasons['dark-mode']).toEqual({ kind: 'RULE_MATCH', ruleId: 'pro-plan', ruleIndex: 1, inRollout: true });
  });

  it('sends no reload events in strict mode', async () => {
    const s = await start({ emitOnReload: false });
    const reader = await stream(s);
    const next = demoFlags();
    next.projects[0]!.flags![2]!.environments!.production!.rules = [{ priority: 1, variant: '10' }];
    expect(s.setFlags(next)).toHaveLength(1);
    s.toggle('demo', 'production', 'banner', true);
    expect(JSON.parse((await reader.nextData())!.data!)).toMatchObject({ flag_key: 'banner' });
  });

  it('close() ends streams and the socket, and is idempotent', async () => {
    const s = await start();
    const reader = await stream(s);
    await Promise.all([s.close(), s.close()]);
    expect(await reader.next()).toBeUndefined();
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();
  });
});
