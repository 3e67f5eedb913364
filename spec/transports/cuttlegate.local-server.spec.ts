import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthError, createFlagClient, cuttlegate, type FlagClient } from '../../lib/index.js';
import { startServer, type FlagServer } from '../../lib/server/index.js';
import { PROD_KEY } from '../server/fixtures.js';

const quiet = { warn() {}, error() {} };

let server: FlagServer;
let client: FlagClient | undefined;

beforeEach(async () => {
  server = await startServer({ file: 'examples/flags.json', watch: false, logger: quiet });
});

afterEach(async () => {
  client?.close();
  client = undefined;
  await server.close();
});

describe('cuttlegate() against the local server', () => {
  it.each([
    ['a slug of no environment', 'prod', 'demo/prod (no such environment)'],
    ['another environment of the project', 'staging', 'demo/staging'],
  ])('names where the key belongs when it asks for %s, never the key', async (_, environment, asked) => {
    client = createFlagClient({
      transport: cuttlegate({ serverUrl: server.url, apiKey: PROD_KEY, project: 'demo', environment }),
      streaming: false,
      pollIntervalMs: 0,
      logger: quiet,
    });
    const result = await client.ready();
    expect(result).toMatchObject({ ok: false, source: 'none' });
    expect(result.error).toBeInstanceOf(AuthError);
    expect(result.error!.message).toMatch(/access denied \(HTTP 403\): this API key belongs to demo\/production, not /);
    expect(result.error!.message).toContain(`not ${asked}`);
    expect(result.error!.message).not.toContain(PROD_KEY);
    expect(client.status).toMatchObject({ state: 'error', source: 'none' });
  });
});
