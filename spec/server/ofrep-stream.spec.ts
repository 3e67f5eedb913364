import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type FlagServer, type ServerOptions } from '../../lib/server/index.js';
import { ADMIN_KEY, PROD_KEY, STAGING_KEY } from './fixtures.js';
import { bearer, BULK, ofrepFlags, ofrepPost } from './ofrep-fixtures.js';
import { closeAll, openSse, type SseFrame, type SseReader } from './sse-reader.js';

let server: FlagServer | undefined;
const streams: SseReader[] = [];

afterEach(async () => {
  await closeAll(streams, server);
  server = undefined;
});

async function start(options: ServerOptions = {}): Promise<FlagServer> {
  server = await startServer({ flags: ofrepFlags(), logger: { warn() {}, error() {} }, ...options });
  return server;
}

/** The stream URL the bulk response advertises for `key`. */
async function streamUrl(s: FlagServer, key = PROD_KEY): Promise<string> {
  const res = await ofrepPost(`${s.url}${BULK}`, { context: {} }, bearer(key));
  const body = (await res.json()) as { eventStreams: { endpoint: { requestUri: string } }[] };
  return `${s.url}${body.eventStreams[0]!.endpoint.requestUri}`;
}

async function open(url: string, token?: string): Promise<SseReader> {
  const reader = await openSse(url, token);
  streams.push(reader);
  return reader;
}

/** Open the advertised stream of `key` and wait until the server has registered it. */
async function subscribe(s: FlagServer, key = PROD_KEY): Promise<SseReader> {
  const before = s.streamCount;
  const reader = await open(await streamUrl(s, key));
  expect(reader.response.status).toBe(200);
  await s.waitForStreams(before + 1);
  return reader;
}

function refetch(frame: SseFrame | undefined): { id: number; data: { type: string; etag: string; lastModified: number } } {
  const lines = frame?.raw.split('\n') ?? [];
  expect(lines[1]).toBe('event: message');
  expect(lines[0]).toMatch(/^id: \d+$/);
  return { id: Number(lines[0]!.slice(4)), data: JSON.parse(frame!.data!) as never };
}

const darkMode = async (s: FlagServer, key = PROD_KEY): Promise<unknown> => {
  const res = await ofrepPost(`${s.url}${BULK}/dark-mode`, { context: { targetingKey: 'u9' } }, bearer(key));
  return ((await res.json()) as { reason: string }).reason;
};

describe('OFREP stream: authentication', () => {
  it('authenticates by the advertised channel token alone, or by a header', async () => {
    const s = await start();
    const url = await streamUrl(s);
    const byChannel = await open(url);
    expect(byChannel.response.status).toBe(200);
    expect(byChannel.response.headers.get('content-type')).toBe('text/event-stream');
    expect((await open(`${s.url}/ofrep/v1/stream`, PROD_KEY)).response.status).toBe(200);
    await s.waitForStreams(2);
    expect(await streamUrl(s)).toBe(url);
    expect(await streamUrl(s, STAGING_KEY)).not.toBe(url);
  });

  it.each<[string, string, string | undefined, number]>([
    ['an unknown channel', '/ofrep/v1/stream?channel=nope', undefined, 401],
    ['the API key as the channel', `/ofrep/v1/stream?channel=${PROD_KEY}`, undefined, 401],
    ['no credentials', '/ofrep/v1/stream', undefined, 401],
    ['the admin key', '/ofrep/v1/stream', ADMIN_KEY, 403],
  ])('answers %s with the status and no body', async (_, path, token, status) => {
    const s = await start();
    const res = await fetch(`${s.url}${path}`, { headers: token === undefined ? {} : bearer(token) });
    expect([res.status, await res.text()]).toEqual([status, '']);
    expect(s.streamCount).toBe(0);
  });

  it('keeps the channel token out of the request log', async () => {
    const s = await start();
    await subscribe(s);
    expect(s.requestLog.at(-1)).toMatchObject({ route: 'ofrep-stream', path: '/ofrep/v1/stream?channel=redacted' });
  });
});

describe('OFREP stream: refetchEvaluation', () => {
  it('sends one event per toggle, after the new state is served: a bulk request on receipt sees it', async () => {
    const s = await start();
    const stream = await subscribe(s);
    expect(await darkMode(s)).toBe('DEFAULT');
    const before = Math.floor(Date.now() / 1000);
    s.toggle('demo', 'production', 'dark-mode', false);
    const first = refetch(await stream.nextData());
    expect(await darkMode(s)).toBe('DISABLED');
    expect(first.data).toEqual({ type: 'refetchEvaluation', etag: s.configEtag, lastModified: expect.any(Number) });
    expect(first.data.lastModified).toBeGreaterThanOrEqual(before);
    expect(first.data.lastModified).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    s.toggle('demo', 'production', 'dark-mode', true);
    const second = refetch(await stream.nextData());
    expect(second.id).toBe(first.id + 1);
    expect(second.data.etag).toBe(s.configEtag);
    expect(second.data.etag).not.toBe(first.data.etag);
  });

  it('sends one event when the watched flags file is saved with changes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flagstream-ofrep-'));
    try {
      const file = join(dir, 'flags.json');
      await writeFile(file, JSON.stringify(ofrepFlags()));
      const s = await start({ flags: undefined, file, watchDebounceMs: 10 });
      const stream = await subscribe(s);
      const edited = ofrepFlags();
      edited.projects[0]!.flags![0]!.environments!.production!.enabled = false;
      await writeFile(file, JSON.stringify(edited));
      expect(refetch(await stream.nextData()).data.etag).toBe(s.configEtag);
      expect(await darkMode(s)).toBe('DISABLED');
    } finally {
      await server?.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('sends one event for a reload that changes several flags, and none for a reload that changes nothing', async () => {
    const s = await start({ emitOnReload: false });
    const stream = await subscribe(s);
    const changed = ofrepFlags();
    changed.projects[0]!.flags![0]!.environments!.production!.enabled = false;
    changed.projects[0]!.flags![1]!.environments!.production!.enabled = true;
    expect(s.setFlags(changed)).toHaveLength(2);
    const reload = refetch(await stream.nextData());
    expect(await darkMode(s)).toBe('DISABLED');
    const etag = s.configEtag;
    expect(s.setFlags(structuredClone(changed))).toEqual([]);
    expect(s.configEtag).toBe(etag);
    s.toggle('demo', 'production', 'banner', false);
    expect(refetch(await stream.nextData()).id).toBe(reload.id + 1);
  });

  it('sends an admin PATCH toggle to the streams of its environment only', async () => {
    const s = await start();
    const production = await subscribe(s);
    const staging = await subscribe(s, STAGING_KEY);
    const patch = await fetch(`${s.url}/api/v1/projects/demo/environments/production/flags/banner`, {
      method: 'PATCH',
      headers: { ...bearer(ADMIN_KEY), 'Content-Type': 'application/json' },
      body: '{"enabled":true}',
    });
    expect(patch.status).toBe(200);
    const prodEvent = refetch(await production.nextData());
    s.toggle('demo', 'staging', 'banner', false);
    expect(refetch(await staging.nextData()).id).toBe(prodEvent.id + 1);
  });

  it('sends a `: ping` comment at the heartbeat interval (15 s unless set)', async () => {
    const s = await start({ heartbeatMs: 40 });
    const stream = await subscribe(s);
    expect(await stream.next(2000)).toMatchObject({ comments: [': ping'], data: undefined });
  });

  it('ends every stream on dropStreams(), and discards events under setDropEvents', async () => {
    const s = await start();
    const stream = await subscribe(s);
    s.setDropEvents(true);
    s.toggle('demo', 'production', 'banner', true);
    s.setDropEvents(false);
    s.toggle('demo', 'production', 'banner', false);
    expect(refetch(await stream.nextData()).data.etag).toBe(s.configEtag);
    expect(s.dropStreams()).toBe(1);
    expect(await stream.next()).toBeUndefined();
  });
});
