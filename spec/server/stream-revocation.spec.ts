import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type FlagServer, type FlagsDocument } from '../../lib/server/index.js';
import { envPath, PROD_KEY, STAGING_KEY } from './fixtures.js';
import { bearer, BULK, ofrepFlags, ofrepPost } from './ofrep-fixtures.js';
import { closeAll, openSse, type SseReader } from './sse-reader.js';

let server: FlagServer | undefined;
const streams: SseReader[] = [];

afterEach(async () => {
  await closeAll(streams, server);
  server = undefined;
});

async function start(): Promise<FlagServer> {
  server = await startServer({ flags: ofrepFlags(), logger: { warn() {}, error() {} }, heartbeatMs: 60_000 });
  return server;
}

async function open(url: string, token?: string): Promise<SseReader> {
  const reader = await openSse(url, token);
  streams.push(reader);
  expect(reader.response.status).toBe(200);
  return reader;
}

/** The demo document with `PROD_KEY` moved from production to staging. */
function keyMovedToStaging(): FlagsDocument {
  const next = ofrepFlags();
  next.projects[0]!.environments = [
    { slug: 'production', apiKeys: [] },
    { slug: 'staging', apiKeys: [STAGING_KEY, PROD_KEY] },
  ];
  return next;
}

/** Every protocol's stream for `PROD_KEY`'s production scope, opened and registered. */
async function openAll(s: FlagServer): Promise<SseReader[]> {
  const bulk = await ofrepPost(`${s.url}${BULK}`, { context: {} }, bearer(PROD_KEY));
  const { eventStreams } = (await bulk.json()) as { eventStreams: { endpoint: { requestUri: string } }[] };
  const readers = [
    await open(`${s.url}${envPath()}/flags/stream`, PROD_KEY),
    await open(`${s.url}/api/v1/sdk/stream?token=${PROD_KEY}`),
    await open(`${s.url}${eventStreams[0]!.endpoint.requestUri}`),
  ];
  await s.waitForStreams(3);
  expect((await readers[1]!.nextData())?.event).toBe('init');
  return readers;
}

describe('streams of a key the flags no longer grant', () => {
  it('end on the reload that moves the key to another environment, on every protocol', async () => {
    const s = await start();
    const [cuttlegate, rollgate, ofrep] = await openAll(s);
    s.setFlags(keyMovedToStaging());
    // Left open, they would carry production's events to a client whose loads now read staging.
    for (const reader of [cuttlegate, rollgate, ofrep]) expect(await reader!.next(2000)).toBeUndefined();
    expect(s.streamCount).toBe(0);
    const again = await open(`${s.url}/api/v1/sdk/stream?token=${PROD_KEY}`);
    expect((await again.nextData())?.event).toBe('init');
    s.toggle('demo', 'staging', 'banner', false);
    expect(await again.nextData()).toMatchObject({ event: 'flag-changed', data: '{"key":"banner","enabled":false}' });
  });

  it('end on the reload that removes the key; streams of other keys stay and get the changes', async () => {
    const s = await start();
    const [cuttlegate, rollgate, ofrep] = await openAll(s);
    const staging = await open(`${s.url}${envPath('demo', 'staging')}/flags/stream`, STAGING_KEY);
    await s.waitForStreams(4);
    const next = keyMovedToStaging();
    next.projects[0]!.environments[1]!.apiKeys = [STAGING_KEY];
    next.projects[0]!.flags![1]!.environments!.staging!.enabled = false;
    s.setFlags(next);
    for (const reader of [cuttlegate, rollgate, ofrep]) expect(await reader!.next(2000)).toBeUndefined();
    expect(JSON.parse((await staging.nextData())!.data!)).toMatchObject({ flag_key: 'banner', enabled: false });
    expect(s.streamCount).toBe(1);
    expect((await fetch(`${s.url}/api/v1/sdk/stream?token=${PROD_KEY}`)).status).toBe(401);
  });
});
