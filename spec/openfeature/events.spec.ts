import { ErrorCode, OpenFeature, ProviderEvents, ProviderStatus } from '@openfeature/server-sdk';
import { OpenFeature as WebOpenFeature, ProviderEvents as WebProviderEvents, ProviderStatus as WebProviderStatus } from '@openfeature/web-sdk';
import { Observable, finalize } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthError, RequestError, ServerError, type EvalContext, type FlagClient, type FlagClientOptions } from '../../lib/index.js';
import { FlagstreamServerProvider, FlagstreamWebProvider } from '../../lib/openfeature/index.js';
import { createMockClient, testSource, type MockFlagClient, type TestSource } from '../../lib/testing/index.js';
import { clientOn, virtualTime } from '../support/virtual.js';
import { quietLogger, recordEvents, resetOpenFeature } from './support.js';

const ALL = [ProviderEvents.Ready, ProviderEvents.Error, ProviderEvents.Stale, ProviderEvents.ConfigurationChanged];
/** Lets queued microtasks (the end-of-task flush of a change group, the SDK's async handlers) run. */
const tick = async (): Promise<void> => {
  for (let i = 0; i < 5; i += 1) await Promise.resolve();
};

describe('provider events from the mock client', () => {
  let client: MockFlagClient;

  beforeEach(() => {
    OpenFeature.setLogger(quietLogger);
    WebOpenFeature.setLogger(quietLogger);
    client = createMockClient({ flags: { a: 1, b: 'x', c: true } });
  });

  afterEach(async () => {
    await resetOpenFeature();
    client.close();
  });

  it('sends one PROVIDER_CONFIGURATION_CHANGED per snapshot change, listing exactly its keys', async () => {
    await OpenFeature.setProviderAndWait(new FlagstreamServerProvider(client));
    const events = await recordEvents(OpenFeature, [ProviderEvents.ConfigurationChanged]);
    client.set({ a: 2, b: 'y', c: true }); // c is unchanged
    await tick();
    client.set('a', 3); // two snapshots in the same task: two events
    client.remove('c');
    await tick();
    client.set('b', 'y'); // no change, no event
    await tick();
    expect(events.seen.map((e) => e.details?.flagsChanged)).toEqual([['a', 'b'], ['a'], ['c']]);
    expect(events.seen.every((e) => e.details?.providerName === 'flagstream')).toBe(true);
  });

  it('maps status changes to PROVIDER_STALE, PROVIDER_READY and PROVIDER_ERROR (FATAL after an AuthError)', async () => {
    await OpenFeature.setProviderAndWait(new FlagstreamServerProvider(client));
    const events = await recordEvents(OpenFeature, ALL);
    const of = OpenFeature.getClient();
    client.setStatus({ state: 'stale', circuit: 'open', error: new ServerError(503) });
    await tick();
    expect(of.providerStatus).toBe(ProviderStatus.STALE);
    client.setStatus({ state: 'ready', circuit: 'closed', error: undefined });
    await tick();
    expect(of.providerStatus).toBe(ProviderStatus.READY);
    client.setStatus({ state: 'error', source: 'none', error: new ServerError(500) });
    await tick();
    expect(of.providerStatus).toBe(ProviderStatus.ERROR);
    client.setStatus({ state: 'error', error: new AuthError(401) });
    await tick();
    expect(of.providerStatus).toBe(ProviderStatus.FATAL);
    expect(events.seen.map((e) => [e.type, e.details?.errorCode])).toEqual([
      [ProviderEvents.Stale, undefined],
      [ProviderEvents.Ready, undefined],
      [ProviderEvents.Error, ErrorCode.GENERAL],
      [ProviderEvents.Error, ErrorCode.PROVIDER_FATAL],
    ]);
    expect(events.seen[0]!.details?.message).toBe('server error (HTTP 503)');
    expect(await of.getNumberDetails('a', 0)).toMatchObject({ value: 0, errorCode: ErrorCode.PROVIDER_FATAL });
  });

  it('keeps no subscription on the client after close, and sends nothing more', async () => {
    const live = { count: 0 };
    for (const name of ['flags$', 'changes$', 'status$'] as const) {
      Object.defineProperty(client, name, { value: counted(client[name] as Observable<unknown>, live) });
    }
    await WebOpenFeature.setProviderAndWait(new FlagstreamWebProvider(client));
    const events = await recordEvents(WebOpenFeature, [WebProviderEvents.ConfigurationChanged, WebProviderEvents.Stale]);
    expect(live.count).toBe(3);
    await WebOpenFeature.close();
    expect(live.count).toBe(0);
    client.set('a', 9);
    client.setStatus({ state: 'stale' });
    await tick();
    expect(events.seen).toEqual([]);
  });

  // OpenFeature: after shutdown a provider reverts to its uninitialized state, and may be initialized again.
  it('bridges again when the SDK initializes the provider anew after closing it (a lent client)', async () => {
    const provider = new FlagstreamServerProvider(client);
    await OpenFeature.setProviderAndWait(provider);
    await OpenFeature.clearProviders();
    await OpenFeature.setProviderAndWait(provider);
    const events = await recordEvents(OpenFeature, [ProviderEvents.ConfigurationChanged, ProviderEvents.Stale]);
    client.set('a', 2);
    await tick();
    client.setStatus({ state: 'stale', error: new ServerError(503) });
    await tick();
    expect(events.seen.map((e) => [e.type, e.details?.flagsChanged])).toEqual([
      [ProviderEvents.ConfigurationChanged, ['a']],
      [ProviderEvents.Stale, undefined],
    ]);
    expect(await OpenFeature.getClient().getNumberDetails('a', 0)).toMatchObject({ value: 2, reason: 'STALE' });
  });

  it('reports PROVIDER_ERROR when a lent client is closed under the provider (its answers are PROVIDER_NOT_READY)', async () => {
    await OpenFeature.setProviderAndWait(new FlagstreamServerProvider(client));
    const events = await recordEvents(OpenFeature, [ProviderEvents.Error]);
    client.close();
    await tick();
    const of = OpenFeature.getClient();
    expect([of.providerStatus, events.seen.map((e) => e.details?.message)]).toEqual([ProviderStatus.ERROR, ['the flag client is closed']]);
    expect(await of.getNumberDetails('a', 0)).toMatchObject({ value: 0, errorCode: ErrorCode.PROVIDER_NOT_READY });
  });

  it('bridges nothing when closed while the first load is still pending', async () => {
    const live = { count: 0 };
    for (const name of ['flags$', 'changes$', 'status$'] as const) {
      Object.defineProperty(client, name, { value: counted(client[name] as Observable<unknown>, live) });
    }
    let loaded!: () => void;
    client.ready = () => new Promise((resolve) => (loaded = () => resolve({ ok: true, source: 'network' })));
    const provider = new FlagstreamServerProvider(client);
    const initializing = provider.initialize();
    await provider.onClose();
    loaded();
    await initializing;
    expect(live.count).toBe(0);
  });
});

describe('provider events from the real client, in virtual time', () => {
  let ts: TestScheduler;
  let client: FlagClient;

  beforeEach(() => {
    OpenFeature.setLogger(quietLogger);
    ts = virtualTime();
  });

  afterEach(async () => {
    await resetOpenFeature();
    client.close();
  });

  function advanceTo(frame: number): void {
    ts.maxFrames = frame;
    ts.flush();
  }

  /** A client of `plan` (from the context) and `other` as `u-1` (`overrides` applied), loaded, behind a web provider. */
  async function webProviderOn(overrides: Partial<FlagClientOptions> = {}): Promise<TestSource> {
    WebOpenFeature.setLogger(quietLogger);
    const source = testSource({ plan: (context: EvalContext) => String(context.attributes?.plan ?? 'free'), other: 1 });
    client = clientOn(source, ts, { context: { userId: 'u-1' }, ...overrides });
    const ready = client.ready();
    advanceTo(0);
    await ready;
    await WebOpenFeature.setProviderAndWait(new FlagstreamWebProvider(client));
    return source;
  }

  it('turns a streamed change of two keys into one event with both keys, after one refetch', async () => {
    const source = testSource({ a: true, b: 'x', c: 1 });
    client = clientOn(source, ts, { streaming: true });
    const ready = client.ready();
    advanceTo(1_000);
    await ready;
    await OpenFeature.setProviderAndWait(new FlagstreamServerProvider(client));
    const events = await recordEvents(OpenFeature, ALL);
    const loadsBefore = source.loads;
    source.set({ a: false, c: 2 });
    advanceTo(2_000);
    await tick();
    expect(events.seen.map((e) => [e.type, e.details?.flagsChanged])).toEqual([[ProviderEvents.ConfigurationChanged, ['a', 'c']]]);
    expect(source.loads - loadsBefore).toBeGreaterThanOrEqual(1);
    expect(await OpenFeature.getClient().getBooleanValue('a', true)).toBe(false);
  });

  // A context change is the SDK's PROVIDER_CONTEXT_CHANGED, not a configuration change, whether it changed values or
  // not (then the snapshot does not change, and the next change of the flags must still be one).
  it.each([
    ['changes values', { targetingKey: 'u-2', plan: 'pro' }, 'pro'],
    ['changes no value', { targetingKey: 'u-2' }, 'free'],
  ])('a context change that %s is PROVIDER_CONTEXT_CHANGED only; a later change of the flags is a configuration change', async (_, context, plan) => {
    const source = await webProviderOn();
    const events = await recordEvents(WebOpenFeature, [WebProviderEvents.ConfigurationChanged, WebProviderEvents.ContextChanged]);
    await WebOpenFeature.setContext(context);
    await tick();
    expect(WebOpenFeature.getClient().getStringValue('plan', '?')).toBe(plan);
    source.set('other', 2);
    await client.refresh();
    await tick();
    expect(events.seen.map((e) => [e.type, e.details?.flagsChanged])).toEqual([
      [WebProviderEvents.ContextChanged, undefined],
      [WebProviderEvents.ConfigurationChanged, ['other']],
    ]);
  });

  it('drops only the new context’s first snapshot: a change landing in the same task is still a configuration change', async () => {
    const source = await webProviderOn();
    const events = await recordEvents(WebOpenFeature, [WebProviderEvents.ConfigurationChanged, WebProviderEvents.ContextChanged]);
    const changing = WebOpenFeature.setContext({ targetingKey: 'u-2', plan: 'pro' });
    expect(client.string('plan', '?')).toBe('pro'); // the new context's first load landed in this task
    source.set('other', 2);
    const refreshed = client.refresh();
    expect(client.number('other', 0)).toBe(2);
    await Promise.all([changing, refreshed]);
    await tick();
    expect(events.seen.map((e) => [e.type, e.details?.flagsChanged])).toEqual([
      [WebProviderEvents.ConfigurationChanged, ['other']],
      [WebProviderEvents.ContextChanged, undefined],
    ]);
  });

  it('fails initialization when the first load keeps failing, then sends PROVIDER_READY once the client loads', async () => {
    const source = testSource({ a: true });
    source.fail(new ServerError(503));
    client = clientOn(source, ts, { timeoutMs: 5_000 });
    const setting = OpenFeature.setProviderAndWait(new FlagstreamServerProvider(client)).catch((error: unknown) => error);
    await tick();
    advanceTo(5_000);
    expect(await setting).toMatchObject({ code: ErrorCode.GENERAL });
    const of = OpenFeature.getClient();
    expect(of.providerStatus).toBe(ProviderStatus.ERROR);
    expect(await of.getBooleanDetails('a', false)).toMatchObject({ value: false, errorCode: ErrorCode.PROVIDER_NOT_READY });
    const events = await recordEvents(OpenFeature, ALL);
    source.recover();
    advanceTo(60_000);
    await tick();
    expect(events.seen.map((e) => e.type)).toEqual([ProviderEvents.Ready]);
    expect(of.providerStatus).toBe(ProviderStatus.READY);
    expect(await of.getBooleanValue('a', false)).toBe(true);
  });

  // The SDK marks a provider READY once initialize() or onContextChange() resolves, whatever it emitted
  // before: a client that serves values it could not refresh must say PROVIDER_STALE after that.
  it('is STALE, not READY, once initialization ends with the bootstrap served after a failed first load', async () => {
    const source = testSource({ a: true });
    source.fail(new ServerError(503));
    client = clientOn(source, ts, { bootstrap: { a: false } });
    const ready = client.ready();
    advanceTo(0);
    expect(await ready).toMatchObject({ ok: true, source: 'bootstrap' });
    const events = await recordEvents(OpenFeature, ALL);
    await OpenFeature.setProviderAndWait(new FlagstreamServerProvider(client));
    await tick();
    const of = OpenFeature.getClient();
    expect([client.status.state, of.providerStatus]).toEqual(['stale', ProviderStatus.STALE]);
    expect(events.seen.map((e) => e.type)).toEqual([ProviderEvents.Ready, ProviderEvents.Stale]);
    expect(await of.getBooleanDetails('a', true)).toMatchObject({ value: false, reason: 'STALE' });
    source.recover();
    advanceTo(60_000);
    await tick();
    expect(of.providerStatus).toBe(ProviderStatus.READY);
  });

  it('stays STALE through a context change to the context the client already has', async () => {
    const source = await webProviderOn({ pollIntervalMs: 10_000, backoff: { random: () => 0.5 } });
    await WebOpenFeature.setContext({ targetingKey: 'u-1' });
    const of = WebOpenFeature.getClient();
    source.fail(new ServerError(503));
    advanceTo(10_000);
    await tick();
    expect(of.providerStatus).toBe(WebProviderStatus.STALE);
    await WebOpenFeature.setContext({ targetingKey: 'u-1' });
    await tick();
    expect([client.status.state, of.providerStatus]).toEqual(['stale', WebProviderStatus.STALE]);
    expect(of.getStringDetails('plan', '?')).toMatchObject({ value: 'free', reason: 'STALE' });
  });

  it('settles a context change to the context a switch is still loading with that switch, not at once', async () => {
    const source = await webProviderOn();
    const of = WebOpenFeature.getClient();
    source.delay(100);
    const first = WebOpenFeature.setContext({ targetingKey: 'u-2', plan: 'pro' });
    const second = WebOpenFeature.setContext({ targetingKey: 'u-2', plan: 'pro' }).then(() => [of.providerStatus, of.getStringValue('plan', '?')]);
    await tick();
    advanceTo(100);
    expect(await second).toEqual([WebProviderStatus.READY, 'pro']);
    await first;
  });

  it('is STALE, not ERROR, after a failed context change whose new context is served the bootstrap', async () => {
    const source = await webProviderOn({ bootstrap: { plan: 'boot' } });
    const events = await recordEvents(WebOpenFeature, [WebProviderEvents.Error, WebProviderEvents.Stale]);
    source.fail(new RequestError(400, 'rejected'));
    await WebOpenFeature.setContext({ targetingKey: 'u-2', plan: 'pro' });
    await tick();
    const of = WebOpenFeature.getClient();
    expect([client.status.state, client.status.source, of.providerStatus]).toEqual(['stale', 'bootstrap', WebProviderStatus.STALE]);
    expect(events.seen.map((e) => e.type)).toEqual([WebProviderEvents.Stale, WebProviderEvents.Error, WebProviderEvents.Stale]);
    expect(of.getStringDetails('plan', '?')).toMatchObject({ value: 'boot', reason: 'STALE' });
  });

  it('goes stale while polls fail, ready after recovery, and fatal after a 401', async () => {
    const source = testSource({ a: true });
    // random() = 0.5: polls exactly every 10 s (the ±10 % jitter at its centre)
    client = clientOn(source, ts, { pollIntervalMs: 10_000, backoff: { random: () => 0.5 } });
    const ready = client.ready();
    advanceTo(0);
    await ready;
    await OpenFeature.setProviderAndWait(new FlagstreamServerProvider(client));
    const events = await recordEvents(OpenFeature, ALL);
    const of = OpenFeature.getClient();
    source.fail(new ServerError(503));
    advanceTo(10_000);
    await tick();
    expect(of.providerStatus).toBe(ProviderStatus.STALE);
    // Last good values are still served while stale, and say so.
    expect(await of.getBooleanDetails('a', false)).toMatchObject({ value: true, reason: 'STALE', flagMetadata: { serverReason: 'mock' } });
    source.recover();
    advanceTo(20_000);
    await tick();
    expect(of.providerStatus).toBe(ProviderStatus.READY);
    expect(await of.getBooleanDetails('a', false)).toMatchObject({ value: true, reason: 'STATIC' });
    source.fail(new AuthError(401));
    advanceTo(30_000);
    await tick();
    expect(of.providerStatus).toBe(ProviderStatus.FATAL);
    expect(events.seen.map((e) => [e.type, e.details?.errorCode])).toEqual([
      [ProviderEvents.Stale, undefined],
      [ProviderEvents.Ready, undefined],
      [ProviderEvents.Error, ErrorCode.PROVIDER_FATAL],
    ]);
  });
});

describe("a provider's event emitter", () => {
  it('keeps handlers as the SDK adds and removes them: a handler added twice runs twice, removing drops one addition', async () => {
    const provider = new FlagstreamWebProvider(createMockClient());
    const seen: string[] = [];
    const ready = (): number => seen.push('ready');
    const stale = (): number => seen.push('stale');
    provider.events.addHandler(WebProviderEvents.Ready, ready);
    provider.events.addHandler(WebProviderEvents.Ready, ready);
    provider.events.addHandler(WebProviderEvents.Stale, stale);
    expect(provider.events.getHandlers(WebProviderEvents.Ready)).toHaveLength(2);
    provider.events.emit(WebProviderEvents.Ready);
    await tick();
    expect(seen).toEqual(['ready', 'ready']);

    provider.events.removeHandler(WebProviderEvents.Ready, ready);
    provider.events.removeHandler(WebProviderEvents.Stale, ready); // not a Stale handler: nothing changes
    provider.events.emit(WebProviderEvents.Ready);
    provider.events.emit(WebProviderEvents.Stale);
    await tick();
    expect(seen).toEqual(['ready', 'ready', 'ready', 'stale']);

    provider.events.removeAllHandlers(WebProviderEvents.Stale);
    provider.events.emit(WebProviderEvents.Stale);
    expect(provider.events.getHandlers(WebProviderEvents.Stale)).toEqual([]);
    expect(provider.events.getHandlers(WebProviderEvents.Ready)).toHaveLength(1);
    provider.events.removeAllHandlers();
    provider.events.emit(WebProviderEvents.Ready);
    await tick();
    expect(seen).toEqual(['ready', 'ready', 'ready', 'stale']);
    expect(provider.events.getHandlers(WebProviderEvents.Ready)).toEqual([]);
    await provider.onClose();
  });
});

/** `source` with a live-subscription counter. */
function counted<T>(source: Observable<T>, live: { count: number }): Observable<T> {
  return new Observable<T>((subscriber) => {
    live.count += 1;
    return source.pipe(finalize(() => (live.count -= 1))).subscribe(subscriber);
  });
}
