import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthError, createFlagClient, cuttlegate, ofrep, type EvalContext, type FlagClient, type FlagClientOptions } from '../../lib/index.js';
import { startServer, type FlagServer } from '../../lib/server/index.js';
import { captureLog, type LogCapture } from '../support/log-capture.js';
import { PROD_KEY } from '../server/fixtures.js';

const quiet = { warn() {}, error() {} };

let server: FlagServer;
let clients: FlagClient[] = [];
let log: LogCapture;

beforeEach(async () => {
  server = await startServer({ file: 'examples/flags.json', watch: false, logger: quiet });
  log = captureLog();
});

afterEach(async () => {
  clients.forEach((client) => client.close());
  clients = [];
  await server.close();
});

function client(options: Omit<FlagClientOptions, 'transport'>, protocol: 'ofrep' | 'cuttlegate' = 'ofrep', apiKey = PROD_KEY): FlagClient {
  const transport =
    protocol === 'ofrep'
      ? ofrep({ baseUrl: server.url, apiKey, watchdogMs: 45_000 })
      : cuttlegate({ serverUrl: server.url, apiKey, project: 'demo', environment: 'production' });
  const created = createFlagClient({ pollIntervalMs: 0, logger: log.logger, backoff: { baseMs: 20, capMs: 100 }, ...options, transport });
  clients.push(created);
  return created;
}

/** Resolves once `ready()` holds (checked every 10 ms); rejects after 5 s. */
async function until(ready: () => boolean): Promise<void> {
  for (const started = Date.now(); !ready(); await new Promise((resolve) => setTimeout(resolve, 10))) {
    if (Date.now() - started > 5_000) throw new Error('condition not met within 5 s');
  }
}

const ofrepBulk = (): number => server.requestLog.filter((entry) => entry.route === 'ofrep-bulk').length;

describe('ofrep() against the local server', () => {
  it.each<[string, EvalContext]>([
    ['a pro user in Germany', { userId: 'alice', attributes: { plan: 'pro', country: 'DE' } }],
    ['an enterprise user on a new app', { userId: 'user-42', attributes: { plan: 'enterprise', app_version: '2.1.0' } }],
    ['an anonymous user', {}],
  ])('is ready after one bulk request, with the Cuttlegate transport’s values for %s', async (_, context) => {
    const viaOfrep = client({ context, streaming: false });
    const viaCuttlegate = client({ context, streaming: false }, 'cuttlegate');
    expect(await viaOfrep.ready()).toEqual({ ok: true, source: 'network' });
    expect(await viaCuttlegate.ready()).toMatchObject({ ok: true, source: 'network' });
    expect(ofrepBulk()).toBe(1);
    const keys = viaCuttlegate.all().keys();
    expect(viaOfrep.all().keys().sort()).toEqual([...keys].sort());
    for (const key of keys) {
      const mine = viaOfrep.evaluate(key);
      const theirs = viaCuttlegate.evaluate(key);
      // A disabled flag is a code default on OFREP: no value, the caller's default applies.
      if (!theirs.enabled) expect([key, mine.value, mine.reason]).toEqual([key, undefined, 'DISABLED']);
      else expect([key, mine.value, mine.variant]).toEqual([key, theirs.value, theirs.variant]);
    }
  });

  it('streams: a toggle arrives through a refetch carrying the configuration version; a change while down arrives after reconnect', async () => {
    const c = client({ context: { userId: 'alice', attributes: { plan: 'pro' } } });
    await c.ready();
    await server.waitForStreams(1);
    await firstValueFrom(c.status$.pipe(filter((status) => status.streaming), timeout(5_000)));
    const off = firstValueFrom(c.bool$('new-checkout').pipe(filter((value) => !value), timeout(5_000)));
    server.toggle('demo', 'production', 'new-checkout', false);
    await off;
    expect(c.evaluate('new-checkout')).toMatchObject({ reason: 'DISABLED', value: undefined });
    await until(() => server.ofrepRefetches.some((refetch) => refetch.flagConfigEtag === server.configEtag));

    server.setDropEvents(true);
    server.toggle('demo', 'production', 'new-checkout', true);
    server.setDropEvents(false);
    const back = firstValueFrom(c.bool$('new-checkout').pipe(filter((value) => value), timeout(5_000)));
    server.dropStreams();
    await back;
    await server.waitForStreams(1);
    expect(log.lines.join('\n')).not.toContain('channel=');
  });

  it('recovers when the server fails event-triggered refetches with 5xx until it catches up', async () => {
    const c = client({ context: { userId: 'alice', attributes: { plan: 'pro' } } });
    await c.ready();
    await server.waitForStreams(1);
    await firstValueFrom(c.status$.pipe(filter((status) => status.streaming), timeout(5_000)));
    server.setOfrep({ refetchFailureStatus: 503 });
    const failed = firstValueFrom(c.events$.pipe(filter((event) => event.type === 'error'), timeout(5_000)));
    server.toggle('demo', 'production', 'max-items', false);
    await failed;
    server.setOfrep({ refetchFailureStatus: undefined });
    await firstValueFrom(c.flag$('max-items').pipe(filter((result) => result.reason === 'DISABLED'), timeout(5_000)));
  });

  it('treats a rejected key as terminal: ready() resolves ok:false with an AuthError', async () => {
    const c = client({ context: {} }, 'ofrep', 'cg_wrong_0123456789abcdefghijklmnopqrstuvwxyz0123');
    const result = await c.ready();
    expect(result.ok).toBe(false);
    expect(result.error).toBeInstanceOf(AuthError);
  });
});
