import type { TestScheduler } from 'rxjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { valueResults } from '../../lib/client/state/results.js';
import type { EvalResult, FlagChange, FlagClient, FlagClientOptions } from '../../lib/index.js';
import { testSource } from '../../lib/testing/index.js';
import { clientOn, virtualTime } from '../support/virtual.js';

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
