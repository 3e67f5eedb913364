import type { TestScheduler } from 'rxjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthError, NetworkError, createFlagClient, renderedSnapshot, withRenderedSnapshot } from '../../../lib/index.js';
import type { EvalContext, FlagClient, FlagClientOptions, ReadyResult, SnapshotJSON } from '../../../lib/index.js';
import { testSource, type TestSource } from '../../../lib/testing/index.js';
import type { Transport } from '../../../lib/transports/transport.js';
import { captureLog } from '../../support/log-capture.js';
import { slowStream } from '../../support/slow-stream.js';
import { clientOn, settledValue, silent, virtualTime } from '../../support/virtual.js';

/** The page's banner per visitor: the anonymous render and a signed-in user see different values. */
const banner = (context: EvalContext): string => (context.userId ? `hello ${context.userId}` : 'welcome, guest');

const clients: FlagClient[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

/** What a server render for `context` hands to the browser, through the page's JSON (as `TransferState` does). */
async function renderFor(context: EvalContext): Promise<SnapshotJSON> {
  const ts = virtualTime();
  const server = clientOn(testSource({ banner }), ts, { context });
  clients.push(server);
  const ready = server.ready();
  ts.flush();
  expect(await ready).toEqual({ ok: true, source: 'network' });
  return JSON.parse(JSON.stringify(renderedSnapshot(server.snapshot, server.context))) as SnapshotJSON;
}

/** A browser client (streaming, the page's first subscriber attached) started from `rendered`. */
function browser(ts: TestScheduler, transport: Transport, rendered: SnapshotJSON, overrides: Partial<FlagClientOptions> = {}): FlagClient {
  const options: FlagClientOptions = { transport, scheduler: ts, pollIntervalMs: 0, logger: silent, backoff: { random: () => 1 }, ...overrides };
  const client = createFlagClient(withRenderedSnapshot(options, rendered));
  clients.push(client);
  client.flags$.subscribe();
  return client;
}

const requests = (source: TestSource): string[] =>
  source.requests.map((request) => `${request.at}:${request.type}${request.type === 'load' ? `:${request.trigger}:${request.context.userId}` : ''}`);

describe('renderedSnapshot: the snapshot a server render hands to the browser', () => {
  it("carries a one-way fingerprint of the render's context, never the context itself", async () => {
    const context = { userId: 'anna', email: 'anna@example.test', attributes: { tier: 'internal-tier-42', country: 'DE' } };
    const rendered = await renderFor(context);
    expect(rendered.flags['banner']).toMatchObject({ value: 'hello anna' });
    expect(rendered.contextFingerprint).toMatch(/^[0-9a-f]{16}$/);
    const text = JSON.stringify(rendered);
    for (const secret of ['anna@example.test', 'internal-tier-42', 'DE']) expect(text).not.toContain(secret);
  });

  it('is equal for contexts the client keys alike (attribute order, an undefined attribute), different otherwise', async () => {
    const stamp = (context: EvalContext): string | undefined => renderedSnapshot(createFlagClient({ transport: testSource() }).snapshot, context).contextFingerprint;
    const anna = stamp({ userId: 'anna', attributes: { plan: 'pro', country: 'DE' } });
    expect(stamp({ attributes: { country: 'DE', plan: 'pro', gone: undefined }, userId: 'anna' })).toBe(anna);
    expect(stamp({ userId: 'anna', attributes: { plan: 'free', country: 'DE' } })).not.toBe(anna);
    expect(stamp({ userId: 'bob', attributes: { plan: 'pro', country: 'DE' } })).not.toBe(anna);
    expect(stamp({})).toBe(stamp({ userId: undefined }));
  });

  it("keys the client's copy of the context: a toJSON() value as what it returns, so the page's string context matches; a Map throws", () => {
    const since = new (class Day {
      toJSON = () => '2024-05-01';
    })();
    const server = createFlagClient({ transport: testSource({ banner }), context: { userId: 'anna', attributes: { since } }, logger: silent });
    clients.push(server);
    // The app hands its own context object (not the client's copy) to the render.
    const rendered = JSON.parse(JSON.stringify(renderedSnapshot(server.snapshot, { userId: 'anna', attributes: { since } }))) as SnapshotJSON;
    expect(rendered.contextFingerprint).toBe(renderedSnapshot(server.snapshot, server.context).contextFingerprint);
    const log = captureLog();
    const options = withRenderedSnapshot({ transport: testSource(), context: { userId: 'anna', attributes: { since: '2024-05-01' } }, logger: log.logger }, rendered);
    expect(options).toMatchObject({ bootstrap: rendered, freshBootstrap: true });
    expect(log.lines).toEqual([]);
    const bad = { userId: 'anna', attributes: { tags: new Map() } };
    expect(() => renderedSnapshot(server.snapshot, bad)).toThrow('context.attributes.tags: must be JSON data, a Date, or have toJSON()');
    expect(() => withRenderedSnapshot({ transport: testSource(), context: bad }, rendered)).toThrow('context.attributes.tags: must be JSON data, a Date, or have toJSON()');
  });
});

describe("withRenderedSnapshot: the browser uses a render's snapshot only for the render's context", () => {
  it('same context: starts from it as a fresh bootstrap (ready at once, no bulk request before the stream opens)', async () => {
    const rendered = await renderFor({ userId: 'u1' });
    const ts = virtualTime();
    const source = testSource({ banner });
    const log = captureLog();
    const client = browser(ts, slowStream(source, 3_000), rendered, { context: { userId: 'u1' }, logger: log.logger });
    expect(client.string('banner', 'default')).toBe('hello u1');
    expect(client.status.source).toBe('bootstrap');
    expect(await settledValue(client.ready())).toEqual({ ok: true, source: 'bootstrap' });
    ts.maxFrames = 10_000;
    ts.flush();
    expect(requests(source)).toEqual(['3000:stream', '3000:load:initial:u1']);
    expect(log.lines).toEqual([]);
  });

  it("another context: none of the render's values, defaults until its own load, which goes out at once; one warning", async () => {
    // The server rendered the anonymous page; the browser's user is signed in (say, from localStorage).
    const rendered = await renderFor({});
    expect(rendered.flags['banner']).toMatchObject({ value: 'welcome, guest' });
    const ts = virtualTime();
    const source = testSource({ banner });
    source.delay(100);
    const log = captureLog();
    const client = browser(ts, source, rendered, { context: { userId: 'u1' }, logger: log.logger, defaults: { banner: 'default banner' } });
    const ready = client.ready();
    expect(client.string('banner')).toBe('default banner');
    expect(client.evaluate('banner')).toMatchObject({ source: 'default' });
    expect(client.status).toMatchObject({ source: 'none', state: 'initializing' });
    expect(await settledValue(ready)).toBe('pending');

    ts.flush();
    expect(requests(source)).toEqual(['0:stream', '0:load:initial:u1']);
    expect(client.string('banner')).toBe('hello u1');
    expect(client.status).toMatchObject({ source: 'network', state: 'ready', streaming: true });
    expect(await ready).toEqual<ReadyResult>({ ok: true, source: 'network' });
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toMatch(/server-rendered flags not used: not evaluated for this context/);
    // The warning names no context: the render's may hold server-only data, the client's is the app's.
    expect(log.lines[0]).not.toContain('u1');
  });

  it('another context with a stream that opens late: a plain first load (within 1 s), not a wait for the stream', async () => {
    const rendered = await renderFor({});
    const ts = virtualTime();
    const source = testSource({ banner });
    const client = browser(ts, slowStream(source, 3_000), rendered, { context: { userId: 'u1' } });
    const seen: string[] = [];
    ts.schedule(() => seen.push(`${client.status.source}:${client.string('banner', 'none')}`), 999);
    ts.schedule(() => seen.push(`${client.status.source}:${client.string('banner', 'none')}`), 1_000);
    ts.maxFrames = 10_000;
    ts.flush();
    expect(seen).toEqual(['none:none', 'network:hello u1']);
    expect(requests(source)).toEqual(['1000:load:initial:u1', '3000:stream', '3000:load:reconnect:u1']);
  });

  it('a snapshot without a fingerprint (a plain toJSON, or junk) is not used either', async () => {
    const ts = virtualTime();
    const source = testSource({ banner });
    source.delay(100);
    const log = captureLog();
    const plain = { $flagstream: 1, flags: { banner: { enabled: true, variant: 'x', value: 'welcome, guest', reason: 'rule_match', evaluatedAt: 'then' } } } as SnapshotJSON;
    const client = browser(ts, source, plain, { logger: log.logger });
    expect(client.status.source).toBe('none');
    expect(client.string('banner', 'none')).toBe('none');
    expect(log.lines).toHaveLength(1);
    expect(withRenderedSnapshot({ transport: source, logger: log.logger }, 'junk' as never)).toEqual({ transport: source, logger: log.logger });
    expect(withRenderedSnapshot({ transport: source, logger: log.logger }, null)).toEqual({ transport: source, logger: log.logger });
    expect(log.lines).toHaveLength(2);
  });

  it("is its context's only: another context whose load fails, or is refused, gets none of it; its own context gets it back", async () => {
    const alice = { userId: 'alice' };
    const rendered = await renderFor(alice);
    for (const error of [new NetworkError('offline'), new AuthError(401)]) {
      const source = testSource({ banner });
      const client = clientOn(source, virtualTime(), withRenderedSnapshot({ transport: source, context: alice }, rendered));
      clients.push(client);
      expect(await client.ready()).toEqual({ ok: true, source: 'bootstrap' });
      source.fail(error);
      await expect(client.identify({ userId: 'bob' })).rejects.toBe(error);
      expect([client.string('banner', 'none'), client.status.source, client.status.state]).toEqual(['none', 'none', 'error']);
      if (error instanceof AuthError) continue; // stopped for good
      await expect(client.identify(alice)).rejects.toBe(error);
      expect([client.string('banner', 'none'), client.status.source, client.status.state]).toEqual(['hello alice', 'bootstrap', 'stale']);
    }
  });

  it('a plain bootstrap is taken as given, fingerprint or not: the check is withRenderedSnapshot’s, not the core’s', async () => {
    const rendered = await renderFor({});
    const client = clientOn(testSource({ banner }), virtualTime(), { bootstrap: rendered, context: { userId: 'u1' } });
    clients.push(client);
    expect(client.string('banner', 'none')).toBe('welcome, guest');
    expect(client.status.source).toBe('bootstrap');
  });
});
