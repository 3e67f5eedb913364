import type { TestScheduler } from 'rxjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { valueResults } from '../../lib/client/state/results.js';
import { NetworkError, createFlagClient } from '../../lib/index.js';
import type { EvalResult, FlagChange, FlagClient, FlagClientOptions } from '../../lib/index.js';
import { testSource, type TestSource } from '../../lib/testing/index.js';
import type { Transport } from '../../lib/transports/transport.js';
import { slowStream } from '../support/slow-stream.js';
import { clientOn, silent, virtualTime } from '../support/virtual.js';

const served = (key: string, patch: Partial<EvalResult>): EvalResult => ({
  key,
  enabled: true,
  variant: 'true',
  value: true,
  reason: 'rule_match',
  evaluatedAt: '2026-05-01T10:00:00.000Z',
  source: 'network',
  ...patch,
});

const flags = {
  'dark-mode': served('dark-mode', { details: { ruleId: 'pro-users' } }),
  banner: served('banner', { variant: 'holiday', value: '</script><script>alert(1)</script>', reason: 'percentage_rollout' }),
  layout: served('layout', { variant: 'wide', value: { cols: 3 }, reason: 'default', enabled: false }),
  broken: served('broken', { variant: '', value: undefined, reason: 'error', errorCode: 'PARSE_ERROR' }),
};

/** Server-side rendering: a server client's snapshot, serialized into the page, bootstraps a browser client. */
describe('bootstrap from a snapshot (SSR, preloading)', () => {
  const clients: FlagClient[] = [];
  let ts: TestScheduler;

  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  function open(source: ReturnType<typeof testSource>, overrides: Partial<FlagClientOptions> = {}): FlagClient {
    const client = clientOn(source, ts, overrides);
    clients.push(client);
    return client;
  }

  /** What the page embeds, escaped as the README shows, and what the browser parses back. */
  function throughThePage(client: FlagClient): unknown {
    const embedded = JSON.stringify(client.snapshot).replace(/</g, '\\u003c');
    expect(embedded).not.toContain('</script>');
    return JSON.parse(embedded);
  }

  it('round-trips values, variants, reasons, details and error codes; source is bootstrap until the network load', async () => {
    ts = virtualTime();
    const server = open(testSource(flags));
    await server.ready();
    const bootstrap = throughThePage(server) as FlagClientOptions['bootstrap'];

    const upstream = testSource({ ...flags, banner: served('banner', { variant: 'spring', value: 'spring' }) });
    upstream.delay(100);
    const browser = open(upstream, { bootstrap });
    const changes: FlagChange[] = [];
    browser.changes$.subscribe((change) => changes.push(change));
    for (const key of Object.keys(flags)) {
      expect(browser.evaluate(key)).toEqual({ ...server.evaluate(key), source: 'bootstrap' });
    }
    expect(browser.string('banner', '')).toBe('</script><script>alert(1)</script>');
    expect(browser.status.source).toBe('bootstrap');

    ts.maxFrames = 100;
    ts.flush();
    expect(browser.status.source).toBe('network');
    expect(browser.evaluate('dark-mode').source).toBe('network');
    expect(browser.string('banner', '')).toBe('spring');
    expect(changes.map((change) => change.key)).toEqual(['banner']);
  });

  it('ignores junk entries of an untrusted snapshot and copies what it keeps', () => {
    ts = virtualTime();
    const layout = { cols: 3 };
    const input = {
      $flagstream: 1,
      flags: {
        ok: { enabled: true, variant: 'on', value: 'on', reason: 'rule_match', evaluatedAt: 'then' },
        layout: { enabled: true, variant: 'x', value: layout, reason: 'default' },
        notAnEntry: 'on',
        noVariant: { enabled: true, value: 1, reason: 'x' },
        badValue: { enabled: true, variant: 'x', value: () => 1, reason: 'x' },
        badDetails: { enabled: true, variant: 'x', value: 2, reason: 'x', details: 'nope' },
      },
    };
    const results = valueResults(input as never, 'bootstrap', 'now');
    expect(results.map((r) => r.key)).toEqual(['ok', 'layout', 'badDetails']);
    expect(results[0]).toEqual({ key: 'ok', enabled: true, variant: 'on', value: 'on', reason: 'rule_match', evaluatedAt: 'then', source: 'bootstrap' });
    expect(results[2]!.details).toBeUndefined();
    layout.cols = 1;
    expect(results[1]!.value).toEqual({ cols: 3 });
    expect(Object.isFrozen(results[1]!.value)).toBe(true);
  });

  it('still takes a plain { key: value } map, skipping values that are not JSON', () => {
    ts = virtualTime();
    const plain = { on: true, limit: 5, cfg: { a: [1] }, nothing: undefined, fn: () => 1, nan: Number.NaN, when: new Date(0) };
    const browser = open(testSource({}), { bootstrap: plain as never });
    expect(browser.snapshot.keys()).toEqual(['on', 'limit', 'cfg']);
    expect(browser.evaluate('limit')).toMatchObject({ value: 5, variant: '5', reason: 'bootstrap', source: 'bootstrap' });
  });
});

/** A server render's snapshot in the page: the browser needs no bulk load before the stream's connect refetch. */
describe('a fresh bootstrap (freshBootstrap)', () => {
  const clients: FlagClient[] = [];
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  function browser(ts: TestScheduler, transport: Transport, overrides: Partial<FlagClientOptions>): FlagClient {
    const client = createFlagClient({ transport, scheduler: ts, pollIntervalMs: 0, logger: silent, backoff: { random: () => 1 }, ...overrides });
    clients.push(client);
    client.flags$.subscribe();
    return client;
  }

  const rendered = { $flagstream: 1, flags: { banner: { enabled: true, variant: 'holiday', value: 'holiday', reason: 'rule_match' } } };
  const requests = (source: TestSource): string[] =>
    source.requests.map((request) => `${request.at}:${request.type}${request.type === 'load' ? `:${request.trigger}` : ''}`);

  it('is ready at once from the rendered snapshot (an awaitReady page renders without waiting for the stream)', async () => {
    const ts = virtualTime();
    const source = testSource({ banner: 'spring' });
    const client = browser(ts, slowStream(source, 3_000), { bootstrap: rendered as never, freshBootstrap: true });
    let result: unknown = 'pending';
    void client.ready().then((settled) => (result = settled));
    await Promise.resolve();
    await Promise.resolve();
    expect(result).toEqual({ ok: true, source: 'bootstrap' });
    expect(requests(source)).toEqual([]);
  });

  it('sends no bulk request before the stream opens, however late; its connect refetch is the first load', () => {
    const ts = virtualTime();
    const source = testSource({ banner: 'spring' });
    const client = browser(ts, slowStream(source, 3_000), { bootstrap: rendered as never, freshBootstrap: true });
    const seen: string[] = [];
    ts.schedule(() => seen.push(`${client.status.source}:${client.string('banner', 'none')}`), 2_999);
    ts.maxFrames = 10_000;
    ts.flush();
    expect(requests(source)).toEqual(['3000:stream', '3000:load:initial']);
    expect(seen).toEqual(['bootstrap:holiday']);
    expect(client.status).toMatchObject({ source: 'network', streaming: true });
    expect(client.string('banner', 'none')).toBe('spring');
  });

  it('without it, the first load waits at most 1 s for the stream (the case above loads before the stream)', () => {
    const ts = virtualTime();
    const source = testSource({ banner: 'spring' });
    browser(ts, slowStream(source, 3_000), { bootstrap: rendered as never });
    ts.maxFrames = 10_000;
    ts.flush();
    expect(requests(source)).toEqual(['1000:load:initial', '3000:stream', '3000:load:reconnect']);
  });

  it('loads at once when the stream fails before it opens', () => {
    const ts = virtualTime();
    const source = testSource({ banner: 'spring' });
    const client = browser(ts, slowStream(source, 2_000, new NetworkError('refused')), { bootstrap: rendered as never, freshBootstrap: true });
    ts.maxFrames = 2_500;
    ts.flush();
    expect(requests(source)[0]).toBe('2000:load:initial');
    expect(client.status.source).toBe('network');
    expect(client.string('banner', 'none')).toBe('spring');
  });

  it('changes nothing without a stream: streaming off loads at once', () => {
    const ts = virtualTime();
    const source = testSource({ banner: 'spring' });
    browser(ts, source, { bootstrap: rendered as never, freshBootstrap: true, streaming: false });
    ts.flush();
    expect(requests(source)).toEqual(['0:load:initial']);
  });
});
