/** CORS as a real browser enforces it: a page on another loopback origin calls every protocol's routes. */
import { createServer, type Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type FlagServer } from '../../lib/server/index.js';
import { browserAvailable, launchBrowser } from '../support/browser.js';
import { closeServer, listenOnLoopback } from '../support/http-helpers.js';
import { ADMIN_KEY, envPath, PROD_KEY } from './fixtures.js';
import { BULK, ofrepFlags } from './ofrep-fixtures.js';

describe.skipIf(!browserAvailable)('CORS in Chromium, from a page on another origin', () => {
  let browser: Browser;
  let app: Server;
  let appUrl: string;
  let server: FlagServer;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    app = createServer((_, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>app</title>'));
    appUrl = await listenOnLoopback(app);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (app !== undefined) await closeServer(app);
  });

  afterEach(async () => {
    await page?.close();
    await server?.close();
  });

  async function open(): Promise<void> {
    server = await startServer({ flags: ofrepFlags(), logger: { warn() {}, error() {} } });
    page = await browser.newPage();
    await page.goto(appUrl);
  }

  it('gets answers (and the exposed ETag and Retry-After) from every protocol with credentialed headers', async () => {
    await open();
    server.setOfrep({ retryAfter: 30 });
    const results = await page.evaluate(
      async ({ base, env, bulk, key, admin }) => {
        const json = { 'Content-Type': 'application/json' };
        const call = async (path: string, init: RequestInit): Promise<[number, string | null, string | null]> => {
          const res = await fetch(`${base}${path}`, init);
          return [res.status, res.headers.get('ETag'), res.headers.get('Retry-After')];
        };
        return [
          await call(`${env}/evaluate`, { method: 'POST', headers: { ...json, Authorization: `Bearer ${key}` }, body: '{"context":{}}' }),
          await call(`${env}/flags/banner`, { method: 'PATCH', headers: { ...json, Authorization: `Bearer ${admin}` }, body: '{"enabled":true}' }),
          await call('/api/v1/sdk/flags', { headers: { Authorization: `Bearer ${key}`, 'If-None-Match': '"x"' } }),
          await call(bulk, { method: 'POST', headers: { ...json, 'X-API-Key': key }, body: '{"context":{}}' }),
        ];
      },
      { base: server.url, env: envPath(), bulk: BULK, key: PROD_KEY, admin: ADMIN_KEY },
    );
    expect(results).toEqual([
      [200, null, null],
      [200, null, null],
      [200, expect.stringMatching(/^"[0-9a-f]{16}"$/), null],
      [429, null, '30'],
    ]);
    expect(server.requests.preflight).toBe(4);
  });

  it('reads the OFREP bulk ETag and follows its event stream with a header-less EventSource', async () => {
    await open();
    const streamed = page.evaluate(
      async ({ base, bulk, key }) => {
        const res = await fetch(`${base}${bulk}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-API-Key': key },
          body: '{"context":{"targetingKey":"u1"}}',
        });
        const body = (await res.json()) as { eventStreams: { endpoint: { requestUri: string } }[] };
        const source = new EventSource(`${base}${body.eventStreams[0]!.endpoint.requestUri}`);
        const data = await new Promise<string>((resolve, reject) => {
          source.onmessage = (event) => resolve(event.data as string);
          source.onerror = () => reject(new Error('stream failed'));
        });
        source.close();
        return { etag: res.headers.get('ETag'), data };
      },
      { base: server.url, bulk: BULK, key: PROD_KEY },
    );
    await server.waitForStreams(1);
    server.toggle('demo', 'production', 'banner', true);
    const { etag, data } = await streamed;
    expect(etag).toMatch(/^"[0-9a-f]{16}"$/);
    expect(JSON.parse(data)).toEqual({ type: 'refetchEvaluation', etag: server.configEtag, lastModified: expect.any(Number) });
  });
});
