import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerToken } from '../../lib/server/auth.js';
import { startServer, type FlagServer } from '../../lib/server/index.js';
import { ROUTE_NAMES, type RouteName } from '../../lib/server/routes.js';
import { ADMIN_KEY, demoFlags, envPath, PROD_KEY } from './fixtures.js';

describe('bearerToken', () => {
  it.each([
    ['Bearer k1', 'k1'],
    ['bearer k1', 'k1'],
    ['BEARER k1', 'k1'],
    ['bEaReR k1', 'k1'],
    ['Bearer   k1', 'k1'],
    ['Bearer a key with spaces', 'a key with spaces'],
  ])('reads %j as %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it.each([undefined, '', 'Bearer', 'Bearer ', 'Basic k1', 'Bearerk1', 'xBearer k1', 'k1'])('finds no token in %j', (header) => {
    expect(bearerToken(header)).toBeUndefined();
  });
});

/** One request per route of every protocol: the key it needs and a body it accepts. */
interface RouteCall {
  route: RouteName;
  method: string;
  path: string;
  key: string;
  body?: unknown;
}

const SDK = '/api/v1/sdk';
const CALLS: readonly RouteCall[] = [
  { route: 'bulk', method: 'POST', path: `${envPath()}/evaluate`, key: PROD_KEY, body: { context: {} } },
  { route: 'single', method: 'POST', path: `${envPath()}/flags/dark-mode/evaluate`, key: PROD_KEY, body: { context: {} } },
  { route: 'stream', method: 'GET', path: `${envPath()}/flags/stream`, key: PROD_KEY },
  { route: 'toggle', method: 'PATCH', path: `${envPath()}/flags/dark-mode`, key: ADMIN_KEY, body: { enabled: true } },
  { route: 'rollgate-flags', method: 'GET', path: `${SDK}/flags?user_id=u1`, key: PROD_KEY },
  { route: 'rollgate-flags-v2', method: 'GET', path: `${SDK}/v2/flags?user_id=u1`, key: PROD_KEY },
  { route: 'rollgate-stream', method: 'GET', path: `${SDK}/stream?user_id=u1`, key: PROD_KEY },
  { route: 'rollgate-identify', method: 'POST', path: `${SDK}/identify`, key: PROD_KEY, body: { user: { id: 'u1', attributes: {} } } },
  { route: 'rollgate-events', method: 'POST', path: `${SDK}/events`, key: PROD_KEY, body: { events: [{ flagKey: 'dark-mode', eventName: 'view', userId: 'u1' }] } },
  { route: 'rollgate-telemetry', method: 'POST', path: `${SDK}/telemetry`, key: PROD_KEY, body: { evaluations: { 'dark-mode': { total: 1, true: 1, false: 0 } }, period_ms: 1000 } },
  { route: 'rollgate-test-events', method: 'GET', path: '/api/v1/test/events', key: ADMIN_KEY },
  { route: 'rollgate-test-events', method: 'DELETE', path: '/api/v1/test/events', key: ADMIN_KEY },
  { route: 'rollgate-test-telemetry', method: 'GET', path: '/api/v1/test/telemetry', key: ADMIN_KEY },
  { route: 'rollgate-test-telemetry', method: 'DELETE', path: '/api/v1/test/telemetry', key: ADMIN_KEY },
  { route: 'ofrep-bulk', method: 'POST', path: '/ofrep/v1/evaluate/flags', key: PROD_KEY, body: { context: { targetingKey: 'u1' } } },
  { route: 'ofrep-single', method: 'POST', path: '/ofrep/v1/evaluate/flags/dark-mode', key: PROD_KEY, body: { context: { targetingKey: 'u1' } } },
  { route: 'ofrep-stream', method: 'GET', path: '/ofrep/v1/stream', key: PROD_KEY },
];

describe('Authorization: the bearer scheme in any case, on every route of every protocol', () => {
  let server: FlagServer;
  beforeAll(async () => {
    server = await startServer({ flags: demoFlags(), logger: { warn() {}, error() {} } });
  });
  afterAll(() => server.close());

  /** The status of one call with this `Authorization` header; a stream's body is not read. */
  async function statusOf(call: RouteCall, authorization: string): Promise<number> {
    const abort = new AbortController();
    const res = await fetch(`${server.url}${call.path}`, {
      method: call.method,
      headers: { Authorization: authorization, 'Content-Type': 'application/json' },
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      signal: abort.signal,
    });
    if (res.headers.get('content-type') === 'text/event-stream') abort.abort();
    else await res.arrayBuffer();
    return res.status;
  }

  it('covers every authenticated route', () => {
    const open: RouteName[] = ['health', 'preflight', 'unknown'];
    expect(new Set(CALLS.map((call) => call.route))).toEqual(new Set(ROUTE_NAMES.filter((name) => !open.includes(name))));
  });

  it.each(CALLS.map((call) => [`${call.method} ${call.route}`, call] as const))('%s: bearer, BEARER and bEaReR are Bearer', async (_, call) => {
    expect(await statusOf(call, `Bearer ${call.key}`)).toBe(200);
    for (const scheme of ['bearer', 'BEARER', 'bEaReR']) {
      expect([scheme, await statusOf(call, `${scheme} ${call.key}`)]).toEqual([scheme, 200]);
    }
    expect(await statusOf(call, `Basic ${call.key}`)).toBe(401);
  });
});
