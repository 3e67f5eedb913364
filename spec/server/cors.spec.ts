import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type FlagServer } from '../../lib/server/index.js';
import { ADMIN_KEY, envPath, PROD_KEY } from './fixtures.js';
import { BULK, ofrepFlags } from './ofrep-fixtures.js';

let server: FlagServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
  'access-control-allow-headers': 'Authorization, Content-Type, X-API-Key, If-None-Match, Last-Event-ID, *',
  'access-control-expose-headers': 'ETag, Retry-After',
};

function corsOf(res: Response): Record<string, string | null> {
  return Object.fromEntries(Object.keys(CORS).map((name) => [name, res.headers.get(name)]));
}

/** One real request per protocol route: method, path, and whether it is a stream. */
const ROUTES: [string, string, string, boolean][] = [
  ['Cuttlegate bulk', 'POST', `${envPath()}/evaluate`, false],
  ['Cuttlegate single', 'POST', `${envPath()}/flags/dark-mode/evaluate`, false],
  ['Cuttlegate stream', 'GET', `${envPath()}/flags/stream`, true],
  ['Cuttlegate admin toggle', 'PATCH', `${envPath()}/flags/banner`, false],
  ['Rollgate flags', 'GET', '/api/v1/sdk/flags', false],
  ['Rollgate stream', 'GET', '/api/v1/sdk/stream', true],
  ['OFREP bulk', 'POST', BULK, false],
  ['OFREP single', 'POST', `${BULK}/dark-mode`, false],
  ['OFREP stream', 'GET', '/ofrep/v1/stream', true],
];

const BODIES: Record<string, string> = {
  [`${envPath()}/flags/banner`]: '{"enabled":true}',
  [BULK]: '{"context":{}}',
  [`${BULK}/dark-mode`]: '{"context":{}}',
};

describe('CORS on every protocol’s routes', () => {
  it.each(ROUTES)('answers a preflight on the %s route with 200 and the CORS headers', async (_, method, path) => {
    server = await startServer({ flags: ofrepFlags(), logger: { warn() {}, error() {} } });
    const res = await fetch(`${server.url}${path}`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:4200',
        'Access-Control-Request-Method': method,
        'Access-Control-Request-Headers': 'authorization, content-type, x-api-key, if-none-match, last-event-id',
      },
    });
    expect([res.status, await res.text()]).toEqual([200, '']);
    expect(corsOf(res)).toEqual(CORS);
    expect(server.requests.preflight).toBe(1);
  });

  it.each(ROUTES)('sends the CORS headers on the %s route’s actual response', async (_, method, path, stream) => {
    server = await startServer({ flags: ofrepFlags(), logger: { warn() {}, error() {} } });
    const abort = new AbortController();
    const token = method === 'PATCH' ? ADMIN_KEY : PROD_KEY;
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Origin: 'http://localhost:4200' },
      body: method === 'GET' ? undefined : (BODIES[path] ?? '{"context":{}}'),
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    expect(corsOf(res)).toEqual(CORS);
    if (stream) abort.abort();
    else await res.text();
  });

  it('sends them on errors too (401, 404, 405)', async () => {
    server = await startServer({ flags: ofrepFlags(), logger: { warn() {}, error() {} } });
    for (const [method, path, status] of [
      ['POST', BULK, 401],
      ['GET', '/nowhere', 404],
      ['GET', BULK, 405],
    ] as const) {
      const res = await fetch(`${server.url}${path}`, { method });
      expect(res.status).toBe(status);
      expect(corsOf(res)).toEqual(CORS);
    }
  });
});
