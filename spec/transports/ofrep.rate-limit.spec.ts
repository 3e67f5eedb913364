import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RateLimitError, createFlagClient, ofrep, type FlagClient, type FlagClientOptions } from '../../lib/index.js';
import { FakeOfrep, exampleItems } from '../support/fake-ofrep.js';
import { captureLog } from '../support/log-capture.js';

/** Backoff far shorter than any Retry-After here, so a request before the server's time would show. */
const quickBackoff = { baseMs: 20, capMs: 50, random: () => 0.5 };
/** Timer slack when comparing a request's arrival with the time the server asked for. */
const SLACK_MS = 40;

/** The three forms of `Retry-After` (§7): delta seconds, IMF-fixdate, ISO 8601; each about `ms` from now. */
const forms: Array<[string, (ms: number) => { header: string; notBefore: number }]> = [
  ['delta seconds', (ms) => ({ header: String(ms / 1000), notBefore: Date.now() + ms })],
  [
    'an IMF-fixdate',
    (ms) => {
      const at = Math.floor((Date.now() + ms) / 1000) * 1000;
      return { header: new Date(at).toUTCString(), notBefore: at };
    },
  ],
  [
    'an ISO 8601 date',
    (ms) => {
      const at = Math.floor((Date.now() + ms) / 1000) * 1000;
      return { header: new Date(at).toISOString().replace('.000Z', 'Z'), notBefore: at };
    },
  ],
];

describe('ofrep Retry-After', () => {
  let fake: FakeOfrep;
  let client: FlagClient | undefined;

  beforeEach(async () => {
    fake = await FakeOfrep.start(exampleItems());
  });

  afterEach(async () => {
    client?.close();
    client = undefined;
    await fake.close();
  });

  function makeClient(overrides: Partial<FlagClientOptions> = {}): FlagClient {
    client = createFlagClient({
      transport: ofrep({ baseUrl: fake.url, apiKey: fake.apiKey, changeDetection: 'sse' }),
      context: { userId: 'user-1' },
      streaming: false,
      pollIntervalMs: 0,
      logger: captureLog().logger,
      backoff: quickBackoff,
      ...overrides,
    });
    return client;
  }

  it.each(forms)('holds every request back until the time given as %s, then recovers', async (_, form) => {
    const c = makeClient();
    await c.ready();
    const { header, notBefore } = form(2_000);
    fake.faults.push({ status: 429, headers: { 'Retry-After': header } });
    const error = await c.refresh().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(c.bool('discount-banner')).toBe(true);
    // Asking again meanwhile sends nothing early: it joins the held-back load.
    setTimeout(() => void c.refresh().catch(() => undefined), 200);
    await fake.waitForBulk(3);
    const retry = fake.bulkRequests[2]!;
    expect(retry.at).toBeGreaterThanOrEqual(notBefore - SLACK_MS);
    // Honoured, not misread: an ISO date read as 2026 seconds would wait half an hour.
    expect(retry.at).toBeLessThan(notBefore + 1_500);
    expect(fake.bulkRequests).toHaveLength(3);
  });

  it('holds back refetches triggered by stream events too', async () => {
    fake.eventStreams = [fake.urlEntry('a')];
    const c = makeClient({ streaming: true });
    await c.ready();
    await fake.waitForOpenStreams(1);
    await fake.waitFor(() => fake.bulkRequests.length >= 2); // the refetch after the stream opened
    const { header, notBefore } = forms[2]![1](2_000);
    fake.faults.push({ status: 429, headers: { 'Retry-After': header } });
    fake.push({ etag: '"cfg-2"' });
    await fake.waitForBulk(3);
    fake.push({ etag: '"cfg-3"' });
    await fake.waitForBulk(4);
    const next = fake.bulkRequests[3]!;
    expect(next.at).toBeGreaterThanOrEqual(notBefore - SLACK_MS);
    expect(next.query.flagConfigEtag).toBe('"cfg-3"');
    expect(fake.bulkRequests).toHaveLength(4);
  });
});
