import { ErrorCode, OpenFeature, ProviderStatus, type EvaluationContext } from '@openfeature/server-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthError, createFlagClient, cuttlegate, NetworkError, type EvalContext, type FlagClient } from '../../lib/index.js';
import { FlagstreamServerProvider } from '../../lib/openfeature/index.js';
import { testSource, type TestSource } from '../../lib/testing/index.js';
import { FakeCuttlegate } from '../support/fake-cuttlegate.js';
import { silent } from '../support/virtual.js';
import { quietLogger, resetOpenFeature, result } from './support.js';

/** The server provider through the real OpenFeature server SDK, on a real client over a test source. */
describe('FlagstreamServerProvider (test source)', () => {
  let source: TestSource;
  let client: FlagClient;

  beforeEach(() => {
    OpenFeature.setLogger(quietLogger);
    source = testSource({
      plan: (context: EvalContext) => String(context.attributes?.plan ?? 'free'),
      user: (context: EvalContext) => context.userId ?? 'anonymous',
      limit: 10,
      layout: { columns: 2 },
      flag: result('flag', { value: true, variant: 'true', reason: 'SPLIT', details: { bucket: 17, rule: ['x'] } }),
    });
    client = createFlagClient({ transport: source, context: { userId: 'owner', attributes: { plan: 'pro' } }, streaming: false, pollIntervalMs: 0, logger: silent });
  });

  afterEach(async () => {
    await resetOpenFeature();
    client.close();
  });

  it('names itself flagstream and runs on the server', () => {
    const provider = new FlagstreamServerProvider(client);
    expect(provider.metadata.name).toBe('flagstream');
    expect(provider.runsOn).toBe('server');
  });

  it('reads the client snapshot for its own context and for an empty one, with no request', async () => {
    await OpenFeature.setProviderAndWait(new FlagstreamServerProvider(client));
    const of = OpenFeature.getClient();
    const loads = source.loads;
    expect(await of.getStringValue('plan', 'none')).toBe('pro');
    expect(await of.getStringValue('plan', 'none', { targetingKey: 'owner', plan: 'pro' })).toBe('pro');
    expect(await of.getNumberValue('limit', 0)).toBe(10);
    expect(await of.getObjectValue('layout', {})).toEqual({ columns: 2 });
    expect(await of.getBooleanDetails('flag', false)).toMatchObject({ value: true, variant: 'true', reason: 'SPLIT', flagMetadata: { bucket: 17 } });
    expect(source.loads).toBe(loads);
  });

  it('answers other contexts through snapshotFor: one round trip per context, then cached', async () => {
    await OpenFeature.setProviderAndWait(new FlagstreamServerProvider(client));
    const of = OpenFeature.getClient();
    const loads = source.loads;
    const alice = { targetingKey: 'alice', plan: 'free' };
    expect(await of.getStringValue('user', 'none', alice)).toBe('alice');
    expect(await of.getStringValue('plan', 'none', alice)).toBe('free');
    expect(await of.getStringValue('plan', 'none', { plan: 'free', targetingKey: 'alice' })).toBe('free');
    expect(source.loads).toBe(loads + 1);
    expect(await of.getStringValue('user', 'none', { targetingKey: 'bob' })).toBe('bob');
    expect(source.loads).toBe(loads + 2);
    const requested = source.requests.filter((r) => r.type === 'load').slice(-2).map((r) => r.context);
    expect(requested).toEqual([{ userId: 'alice', attributes: { plan: 'free' } }, { userId: 'bob' }]);
    // The client's own context is unchanged.
    expect(client.string('user', '')).toBe('owner');
  });

  it('takes a context by the client rule: a toJSON() value as what it returns, a Map as INVALID_CONTEXT with the default and no request', async () => {
    await OpenFeature.setProviderAndWait(new FlagstreamServerProvider(client));
    const of = OpenFeature.getClient();
    const loads = source.loads;
    const plan = new (class Plan {
      toJSON = () => 'free';
    })();
    expect(await of.getStringValue('plan', 'none', { targetingKey: 'alice', plan } as unknown as EvaluationContext)).toBe('free');
    expect(source.requests.filter((r) => r.type === 'load').at(-1)?.context).toEqual({ userId: 'alice', attributes: { plan: 'free' } });
    const details = await of.getStringDetails('plan', 'none', { targetingKey: 'alice', tags: new Map() } as unknown as EvaluationContext);
    expect(details).toMatchObject({ value: 'none', reason: 'ERROR', errorCode: ErrorCode.INVALID_CONTEXT });
    expect(details.errorMessage).toBe('context.attributes.tags: must be JSON data, a Date, or have toJSON()');
    expect(source.loads).toBe(loads + 1);
  });

  it('follows the client context when the client is identified elsewhere', async () => {
    await OpenFeature.setProviderAndWait(new FlagstreamServerProvider(client));
    await client.identify({ userId: 'frank' });
    const loads = source.loads;
    expect(await OpenFeature.getClient().getStringValue('user', 'none', { targetingKey: 'frank' })).toBe('frank');
    expect(source.loads).toBe(loads);
  });

  it('while the client is identified elsewhere and the new context has not loaded yet, that context is not answered from the old one', async () => {
    await OpenFeature.setProviderAndWait(new FlagstreamServerProvider(client));
    const of = OpenFeature.getClient();
    source.delay(50);
    const switching = client.identify({ userId: 'frank' });
    expect(await of.getStringValue('user', 'none', { targetingKey: 'frank' })).toBe('frank');
    expect(await of.getStringValue('user', 'none', { targetingKey: 'owner', plan: 'pro' })).toBe('owner');
    await switching;
    // Loaded: its own context again, read from the snapshot.
    const loads = source.loads;
    expect(await of.getStringValue('user', 'none', { targetingKey: 'frank' })).toBe('frank');
    expect(source.loads).toBe(loads);
  });

  it('gives FLAG_NOT_FOUND and TYPE_MISMATCH with the caller default, for own and other contexts', async () => {
    await OpenFeature.setProviderAndWait(new FlagstreamServerProvider(client));
    const of = OpenFeature.getClient();
    for (const context of [{}, { targetingKey: 'carol' }] as EvaluationContext[]) {
      expect(await of.getBooleanDetails('missing', true, context)).toMatchObject({ value: true, errorCode: ErrorCode.FLAG_NOT_FOUND });
      expect(await of.getBooleanDetails('limit', true, context)).toMatchObject({ value: true, errorCode: ErrorCode.TYPE_MISMATCH });
    }
  });

  it('reports a failed remote load as GENERAL and an AuthError as PROVIDER_FATAL, with the caller default', async () => {
    await OpenFeature.setProviderAndWait(new FlagstreamServerProvider(client));
    const of = OpenFeature.getClient();
    source.fail(new NetworkError('connection refused'), 1);
    expect(await of.getStringDetails('user', 'd', { targetingKey: 'dave' })).toMatchObject({ value: 'd', errorCode: ErrorCode.GENERAL });
    source.fail(new AuthError(401), 1);
    expect(await of.getStringDetails('user', 'd', { targetingKey: 'erin' })).toMatchObject({ value: 'd', errorCode: ErrorCode.PROVIDER_FATAL });
  });

  it('fails initialization with PROVIDER_FATAL after a 401 on the first load', async () => {
    source.fail(new AuthError(401));
    await expect(OpenFeature.setProviderAndWait(new FlagstreamServerProvider(client))).rejects.toMatchObject({ code: ErrorCode.PROVIDER_FATAL });
    expect(OpenFeature.getClient().providerStatus).toBe(ProviderStatus.FATAL);
  });

  it('creates and closes its own client from options, and leaves a passed client open', async () => {
    const owned = new FlagstreamServerProvider({ transport: source, streaming: false, pollIntervalMs: 0, logger: silent });
    await OpenFeature.setProviderAndWait('owned', owned);
    await OpenFeature.setProviderAndWait(new FlagstreamServerProvider(client));
    expect(await OpenFeature.getClient('owned').getNumberValue('limit', 0)).toBe(10);
    await OpenFeature.close();
    expect(owned.client.status.state).toBe('closed');
    expect(client.status.state).toBe('ready');
    expect(client.string('plan', '')).toBe('pro');
  });
});

/** Whose answer a reason describes: the server provider through the real SDK, on Cuttlegate over loopback. */
describe('FlagstreamServerProvider (reasons over loopback)', () => {
  let fake: FakeCuttlegate;
  let client: FlagClient;

  beforeEach(async () => {
    OpenFeature.setLogger(quietLogger);
    fake = await FakeCuttlegate.start([{ key: 'beta', enabled: true, value_key: 'true', type: 'bool', reason: 'rule_match' }]);
    const transport = cuttlegate({ serverUrl: fake.url, apiKey: fake.apiKey, project: fake.project, environment: fake.environment });
    // No poll and a long backoff: the failed refresh below is not retried within the test.
    client = createFlagClient({ transport, context: { userId: 'owner' }, streaming: false, pollIntervalMs: 0, timeoutMs: 3_000, backoff: { baseMs: 60_000, capMs: 60_000 }, logger: silent });
  });

  afterEach(async () => {
    await resetOpenFeature();
    client.close();
    await fake.close();
  });

  it('says STALE for the stale snapshot only: another context answered by a fresh load gets its own reason', async () => {
    await OpenFeature.setProviderAndWait(new FlagstreamServerProvider(client));
    const of = OpenFeature.getClient();
    fake.faults.push({ status: 503 });
    await expect(client.refresh()).rejects.toThrow();
    expect(client.status).toMatchObject({ state: 'stale', source: 'network' });
    expect(await of.getBooleanDetails('beta', false)).toMatchObject({ value: true, reason: 'STALE' });
    const bulk = fake.bulkCount;
    const alice = await of.getBooleanDetails('beta', false, { targetingKey: 'alice' });
    expect(fake.bulkCount).toBe(bulk + 1);
    expect(alice).toMatchObject({ value: true, reason: 'TARGETING_MATCH', flagMetadata: { serverReason: 'rule_match' } });
    // Served again from the snapshotFor cache: the same fresh answer, still not the client's staleness.
    expect(await of.getBooleanDetails('beta', false, { targetingKey: 'alice' })).toMatchObject({ reason: 'TARGETING_MATCH' });
    expect(client.status.state).toBe('stale');
  });

  it('another context answered before the client turned stale is asked again; the server failing, its held answer says STALE', async () => {
    await OpenFeature.setProviderAndWait(new FlagstreamServerProvider(client));
    const of = OpenFeature.getClient();
    expect(await of.getBooleanDetails('beta', false, { targetingKey: 'alice' })).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
    fake.faults.push({ status: 503 }, { status: 503 });
    await expect(client.refresh()).rejects.toThrow();
    expect(client.status.state).toBe('stale');
    const bulk = fake.bulkCount;
    expect(await of.getBooleanDetails('beta', false, { targetingKey: 'alice' })).toMatchObject({ value: true, reason: 'STALE' });
    expect(fake.bulkCount).toBe(bulk + 1);
  });
});
