import { ErrorCode, OpenFeature, ProviderEvents, ProviderStatus, type EvaluationContext } from '@openfeature/web-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthError, NetworkError, type EvalContext, type FlagClient } from '../../lib/index.js';
import { FlagstreamWebProvider } from '../../lib/openfeature/index.js';
import { createMockClient, type MockFlagClient } from '../../lib/testing/index.js';
import { quietLogger, recordEvents, resetOpenFeature, result } from './support.js';

/** Lets the SDK's and the provider's queued reactions run (one macrotask; no time passes on purpose). */
const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The web provider through the real OpenFeature web SDK, on the mock client. */
describe('FlagstreamWebProvider (mock client)', () => {
  let client: MockFlagClient;

  beforeEach(() => {
    OpenFeature.setLogger(quietLogger);
    client = createMockClient({
      context: { userId: 'user-1' },
      flags: {
        'dark-mode': result('dark-mode', { value: true, variant: 'true', reason: 'rule_match', details: { ruleId: 'r1', rollout: false, weight: 50, rule: { nested: 1 } } }),
        banner: 'holiday',
        'max-items': 25,
        config: { columns: 3 },
        'code-default': result('code-default', { value: undefined, variant: 'off', reason: 'DEFAULT' }),
        'switched-off': result('switched-off', { value: false, variant: 'false', reason: 'disabled', enabled: false }),
        'held-on': result('held-on', { value: 'blue', variant: 'blue', reason: 'stale', details: { ruleId: 'r2' } }),
        'held-off': result('held-off', { value: false, variant: 'false', reason: 'stale', enabled: false }),
        vendor: result('vendor', { value: 'x', variant: 'x', reason: 'SOMETHING_ELSE' }),
        broken: result('broken', { value: undefined, variant: '', reason: 'ERROR', errorCode: 'PARSE_ERROR', details: { errorDetails: 'rule 3 does not parse' } }),
        weird: result('weird', { value: undefined, variant: '', reason: 'ERROR', errorCode: 'SOMETHING_NEW' }),
      },
    });
  });

  afterEach(async () => {
    await resetOpenFeature();
    client.close();
  });

  it('names itself flagstream and runs on the client', () => {
    const provider = new FlagstreamWebProvider(client);
    expect(provider.metadata.name).toBe('flagstream');
    expect(provider.runsOn).toBe('client');
    expect(provider.domainScoped).toBe(true);
    expect(provider.client).toBe(client);
  });

  it('resolves values and details for every type synchronously from the snapshot', async () => {
    await OpenFeature.setProviderAndWait(new FlagstreamWebProvider(client));
    const of = OpenFeature.getClient();
    expect(of.getBooleanValue('dark-mode', false)).toBe(true);
    expect(of.getStringValue('banner', 'none')).toBe('holiday');
    expect(of.getNumberValue('max-items', 10)).toBe(25);
    expect(of.getObjectValue('config', {})).toEqual({ columns: 3 });
    const details = of.getBooleanDetails('dark-mode', false);
    expect(details).toMatchObject({ value: true, variant: 'true', reason: 'TARGETING_MATCH', flagKey: 'dark-mode' });
    expect(details.errorCode).toBeUndefined();
    // Only primitive detail values become flag metadata, and the transport's own reason is kept.
    expect(details.flagMetadata).toEqual({ ruleId: 'r1', rollout: false, weight: 50, serverReason: 'rule_match' });
    expect(of.getStringDetails('banner', 'none')).toMatchObject({ value: 'holiday', variant: 'holiday', reason: 'STATIC', flagMetadata: { serverReason: 'mock' } });
    expect(of.getStringDetails('vendor', 'none')).toMatchObject({ value: 'x', reason: 'UNKNOWN', flagMetadata: { serverReason: 'SOMETHING_ELSE' } });
  });

  it('gives the caller default with FLAG_NOT_FOUND, TYPE_MISMATCH and the entry error code', async () => {
    await OpenFeature.setProviderAndWait(new FlagstreamWebProvider(client));
    const of = OpenFeature.getClient();
    expect(of.getBooleanDetails('missing', true)).toMatchObject({ value: true, reason: 'ERROR', errorCode: ErrorCode.FLAG_NOT_FOUND });
    expect(of.getNumberDetails('banner', 7)).toMatchObject({ value: 7, reason: 'ERROR', errorCode: ErrorCode.TYPE_MISMATCH });
    expect(of.getObjectDetails('banner', { a: 1 })).toMatchObject({ value: { a: 1 }, errorCode: ErrorCode.TYPE_MISMATCH });
    expect(of.getBooleanDetails('config', false)).toMatchObject({ value: false, errorCode: ErrorCode.TYPE_MISMATCH });
    // The server's own words (an OFREP failure item's errorDetails) are the message, as the official OFREP providers give it.
    expect(of.getStringDetails('broken', 'd')).toMatchObject({ value: 'd', errorCode: ErrorCode.PARSE_ERROR, errorMessage: 'flag broken failed to evaluate: PARSE_ERROR: rule 3 does not parse' });
    expect(of.getStringDetails('weird', 'd')).toMatchObject({ value: 'd', errorCode: ErrorCode.GENERAL });
  });

  it('serves the caller default for a code-default entry, keeping the server reason and variant', async () => {
    await OpenFeature.setProviderAndWait(new FlagstreamWebProvider(client));
    const details = OpenFeature.getClient().getBooleanDetails('code-default', true);
    expect(details).toMatchObject({ value: true, variant: 'off', reason: 'DEFAULT' });
    expect(details.errorCode).toBeUndefined();
  });

  it('serves the caller default, with DISABLED and no variant, for a disabled flag whatever value the wire carried', async () => {
    await OpenFeature.setProviderAndWait(new FlagstreamWebProvider(client));
    const of = OpenFeature.getClient();
    for (const fallback of [true, false]) {
      const details = of.getBooleanDetails('switched-off', fallback);
      expect(details).toMatchObject({ value: fallback, reason: 'DISABLED', flagMetadata: { serverReason: 'disabled' } });
      expect(details.variant).toBeUndefined();
      expect(details.errorCode).toBeUndefined();
    }
    // A disabled flag is DISABLED for every type it is read as, not TYPE_MISMATCH.
    expect(of.getStringDetails('switched-off', 'd')).toMatchObject({ value: 'd', reason: 'DISABLED' });
  });

  it('answers STALE for a held result (the last good one, kept while its new entry is rejected): its value, or the caller default when switched off', async () => {
    await OpenFeature.setProviderAndWait(new FlagstreamWebProvider(client));
    const of = OpenFeature.getClient();
    expect(of.getStringDetails('held-on', 'd')).toMatchObject({ value: 'blue', variant: 'blue', reason: 'STALE', flagMetadata: { ruleId: 'r2', serverReason: 'stale' } });
    expect(of.getStringDetails('held-on', 'd').errorCode).toBeUndefined();
    const off = of.getBooleanDetails('held-off', true);
    expect(off).toMatchObject({ value: true, reason: 'STALE' });
    expect([off.variant, off.errorCode]).toEqual([undefined, undefined]);
  });

  it('identifies the client with the initial context when it differs, and not when it is the same', async () => {
    const provider = new FlagstreamWebProvider(client);
    await OpenFeature.setContext({ targetingKey: 'user-1' });
    await OpenFeature.setProviderAndWait(provider);
    expect(client.context).toEqual({ userId: 'user-1' });

    await resetOpenFeature();
    await OpenFeature.setContext({ targetingKey: 'user-2', email: 'a@b.c', plan: 'pro', since: new Date('2026-01-02T00:00:00Z') });
    await OpenFeature.setProviderAndWait(new FlagstreamWebProvider(client));
    expect(client.context).toEqual({ userId: 'user-2', email: 'a@b.c', attributes: { plan: 'pro', since: new Date('2026-01-02T00:00:00Z') } });
  });

  it('identifies a client that does not expose its context, once per distinct context', async () => {
    const contexts: unknown[] = [];
    const identify = client.identify.bind(client);
    const opaque = Object.create(client, {
      context: { value: undefined },
      identify: { value: (context: EvalContext) => (contexts.push(context), identify(context)) },
    }) as FlagClient;
    await OpenFeature.setContext({ targetingKey: 'user-1' });
    await OpenFeature.setProviderAndWait(new FlagstreamWebProvider(opaque));
    await OpenFeature.setContext({ targetingKey: 'user-1' });
    await OpenFeature.setContext({ targetingKey: 'user-2' });
    expect(contexts).toEqual([{ userId: 'user-1' }, { userId: 'user-2' }]);
  });

  it('runs identify on a context change, reconciling meanwhile', async () => {
    await OpenFeature.setProviderAndWait(new FlagstreamWebProvider(client));
    const events = await recordEvents(OpenFeature, [ProviderEvents.Reconciling, ProviderEvents.ContextChanged]);
    const change = OpenFeature.setContext({ targetingKey: 'user-9', country: 'DE' });
    expect(OpenFeature.getClient().providerStatus).toBe(ProviderStatus.RECONCILING);
    await change;
    expect(client.context).toEqual({ userId: 'user-9', attributes: { country: 'DE' } });
    expect(OpenFeature.getClient().providerStatus).toBe(ProviderStatus.READY);
    expect(events.seen.map((e) => e.type)).toEqual([ProviderEvents.Reconciling, ProviderEvents.ContextChanged]);
  });

  it('reports a failed identify as a provider error', async () => {
    await OpenFeature.setProviderAndWait(new FlagstreamWebProvider(client));
    client.identify = () => Promise.reject(new NetworkError('connection refused'));
    const events = await recordEvents(OpenFeature, [ProviderEvents.Error]);
    await OpenFeature.setContext({ targetingKey: 'user-3' });
    expect(events.seen).toHaveLength(1);
    expect(OpenFeature.getClient().providerStatus).toBe(ProviderStatus.ERROR);
  });

  it('takes a context by the client rule: a toJSON() value as what it returns; a Map is an ERROR answered with INVALID_CONTEXT until a valid context', async () => {
    await OpenFeature.setProviderAndWait(new FlagstreamWebProvider(client));
    const plan = new (class Plan {
      toJSON = () => 'pro';
    })();
    await OpenFeature.setContext({ targetingKey: 'user-2', plan } as unknown as EvaluationContext);
    expect(client.context).toEqual({ userId: 'user-2', attributes: { plan: 'pro' } });

    const events = await recordEvents(OpenFeature, [ProviderEvents.Error]);
    await OpenFeature.setContext({ targetingKey: 'user-3', tags: new Map() } as unknown as EvaluationContext);
    expect(events.seen).toHaveLength(1);
    expect(events.seen[0]).toMatchObject({ details: { message: expect.stringContaining('context.attributes.tags: must be JSON data, a Date, or have toJSON()') } });
    expect(OpenFeature.getClient().providerStatus).toBe(ProviderStatus.ERROR);
    // The client still holds user-2's values: they are not answered for user-3.
    expect(client.context).toEqual({ userId: 'user-2', attributes: { plan: 'pro' } });
    expect(OpenFeature.getClient().getStringDetails('banner', 'none')).toMatchObject({
      value: 'none',
      reason: 'ERROR',
      errorCode: ErrorCode.INVALID_CONTEXT,
      errorMessage: 'context.attributes.tags: must be JSON data, a Date, or have toJSON()',
    });

    await OpenFeature.setContext({ targetingKey: 'user-3' });
    expect(OpenFeature.getClient().providerStatus).toBe(ProviderStatus.READY);
    expect(OpenFeature.getClient().getStringValue('banner', 'none')).toBe('holiday');
  });

  it('fails initialization with INVALID_CONTEXT for a context holding a Map, and answers so', async () => {
    await OpenFeature.setContext({ targetingKey: 'user-1', tags: new Map() } as unknown as EvaluationContext);
    await expect(OpenFeature.setProviderAndWait(new FlagstreamWebProvider(client))).rejects.toMatchObject({ code: ErrorCode.INVALID_CONTEXT });
    expect(OpenFeature.getClient().getBooleanDetails('dark-mode', false)).toMatchObject({ value: false, errorCode: ErrorCode.INVALID_CONTEXT });
  });

  it('after a failed initialization for an invalid context, a valid one makes the provider whole: READY, values, events', async () => {
    await OpenFeature.setContext({ targetingKey: 'user-1', tags: new Map() } as unknown as EvaluationContext);
    await expect(OpenFeature.setProviderAndWait(new FlagstreamWebProvider(client))).rejects.toMatchObject({ code: ErrorCode.INVALID_CONTEXT });
    await OpenFeature.setContext({ targetingKey: 'user-2' });
    expect(OpenFeature.getClient().providerStatus).toBe(ProviderStatus.READY);
    expect(OpenFeature.getClient().getStringValue('banner', 'none')).toBe('holiday');
    const events = await recordEvents(OpenFeature, [ProviderEvents.ConfigurationChanged, ProviderEvents.Stale]);
    const changed = events.next(ProviderEvents.ConfigurationChanged);
    client.set('banner', 'summer');
    await changed;
    const stale = events.next(ProviderEvents.Stale);
    client.setStatus({ state: 'stale', error: new NetworkError('down') });
    await stale;
    expect(events.seen.map((event) => event.type)).toEqual([ProviderEvents.ConfigurationChanged, ProviderEvents.Stale]);
  });

  it.each([false, true])('while the context is invalid the SDK status stays ERROR whatever the client’s health does (client stale before: %s)', async (staleBefore) => {
    await OpenFeature.setProviderAndWait(new FlagstreamWebProvider(client));
    if (staleBefore) client.setStatus({ state: 'stale', error: new NetworkError('down') });
    await OpenFeature.setContext({ targetingKey: 'user-3', tags: new Map() } as unknown as EvaluationContext);
    await macrotask();
    const statuses = [OpenFeature.getClient().providerStatus];
    client.setStatus({ state: 'stale', error: new NetworkError('down again') });
    client.setStatus({ state: 'ready', error: undefined });
    await macrotask();
    statuses.push(OpenFeature.getClient().providerStatus);
    expect(statuses).toEqual([ProviderStatus.ERROR, ProviderStatus.ERROR]);
    expect(OpenFeature.getClient().getStringDetails('banner', 'none')).toMatchObject({ value: 'none', errorCode: ErrorCode.INVALID_CONTEXT });
  });

  it('a valid context change that fails after a later invalid one does not clear INVALID_CONTEXT', async () => {
    await OpenFeature.setProviderAndWait(new FlagstreamWebProvider(client));
    let fail!: (error: unknown) => void;
    client.identify = () => new Promise<void>((_, reject) => (fail = reject));
    const valid = OpenFeature.setContext({ targetingKey: 'user-2' });
    await macrotask();
    const invalid = OpenFeature.setContext({ targetingKey: 'user-3', tags: new Map() } as unknown as EvaluationContext);
    await macrotask();
    fail(new NetworkError('connection refused'));
    await Promise.allSettled([valid, invalid]);
    expect(OpenFeature.getContext()).toMatchObject({ targetingKey: 'user-3' });
    // The client holds user-1's values: they are not answered for user-3's invalid context.
    expect(OpenFeature.getClient().getStringDetails('banner', 'none')).toMatchObject({ value: 'none', errorCode: ErrorCode.INVALID_CONTEXT });
  });

  it('closed while an invalid initialize settles: no bridge is left behind, no event is said', async () => {
    const provider = new FlagstreamWebProvider(client);
    const init = provider.initialize({ targetingKey: 'u', tags: new Map() } as unknown as EvaluationContext);
    await provider.onClose();
    await init.catch(() => undefined);
    const seen: string[] = [];
    provider.events.addHandler(ProviderEvents.Stale, () => seen.push('stale'));
    client.setStatus({ state: 'stale', error: new NetworkError('down') });
    await macrotask();
    expect(seen).toEqual([]);
    // Nothing is left subscribed to a lent client (a leak otherwise, for as long as the client lives).
    expect((provider as unknown as { bridge?: unknown }).bridge).toBeUndefined();
  });

  it('initialized again (on an empty context) after an invalid one: values are answered and health is said again', async () => {
    const provider = new FlagstreamWebProvider(client);
    await provider.initialize({ targetingKey: 'u', tags: new Map() } as unknown as EvaluationContext).catch(() => undefined);
    await provider.onClose();
    await provider.initialize({});
    await macrotask(); // the provider's own say after initialize() (see settled) is done
    expect(provider.resolveStringEvaluation('banner', 'none')).toMatchObject({ value: 'holiday' });
    const seen: string[] = [];
    provider.events.addHandler(ProviderEvents.Stale, () => seen.push('stale'));
    client.setStatus({ state: 'stale', error: new NetworkError('down') });
    await macrotask();
    expect(seen).toEqual(['stale']);
  });

  it('no configuration change is said while the context is invalid (the changes are another context’s)', async () => {
    await OpenFeature.setProviderAndWait(new FlagstreamWebProvider(client));
    await OpenFeature.setContext({ targetingKey: 'user-3', tags: new Map() } as unknown as EvaluationContext);
    const events = await recordEvents(OpenFeature, [ProviderEvents.ConfigurationChanged]);
    client.set('banner', 'summer');
    await macrotask();
    expect(events.seen).toEqual([]);
  });

  it('answers PROVIDER_NOT_READY before the first load and PROVIDER_FATAL after an AuthError', () => {
    const provider = new FlagstreamWebProvider(client);
    client.setStatus({ state: 'initializing', source: 'none' });
    expect(provider.resolveBooleanEvaluation('dark-mode', false)).toMatchObject({ value: false, errorCode: ErrorCode.PROVIDER_NOT_READY });
    client.setStatus({ state: 'error', source: 'network', error: new AuthError(401) });
    expect(provider.resolveBooleanEvaluation('dark-mode', false)).toMatchObject({ value: false, errorCode: ErrorCode.PROVIDER_FATAL });
  });

  it('fails initialization with PROVIDER_FATAL when the first load hits an AuthError', async () => {
    client.ready = () => Promise.resolve({ ok: false, source: 'none', error: new AuthError(401) });
    client.setStatus({ state: 'error', source: 'none', error: new AuthError(401) });
    await expect(OpenFeature.setProviderAndWait(new FlagstreamWebProvider(client))).rejects.toMatchObject({ code: ErrorCode.PROVIDER_FATAL });
    expect(OpenFeature.getClient().providerStatus).toBe(ProviderStatus.FATAL);
    expect(OpenFeature.getClient().getBooleanDetails('dark-mode', false)).toMatchObject({ errorCode: ErrorCode.PROVIDER_FATAL });
  });

  it('serves one domain per instance, since the client holds one context', async () => {
    const provider = new FlagstreamWebProvider(client);
    await OpenFeature.setProviderAndWait('one', provider);
    expect(() => OpenFeature.setProvider('two', provider)).toThrow();
  });

  it('never closes a client it was given', async () => {
    await OpenFeature.setProviderAndWait(new FlagstreamWebProvider(client));
    await OpenFeature.close();
    expect(client.status.state).toBe('ready');
  });
});
