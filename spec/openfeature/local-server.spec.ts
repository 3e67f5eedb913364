import { OpenFeature as ServerOpenFeature, ProviderEvents as ServerEvents } from '@openfeature/server-sdk';
import { ErrorCode, OpenFeature, ProviderEvents, ProviderStatus } from '@openfeature/web-sdk';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFlagClient, cuttlegate, type FlagClient, type FlagClientOptions } from '../../lib/index.js';
import { FlagstreamServerProvider, FlagstreamWebProvider } from '../../lib/openfeature/index.js';
import { startServer, type FlagServer } from '../../lib/server/index.js';
import { silent } from '../support/virtual.js';
import { API_KEY, WRONG_KEY, openFeatureFlags } from './fixtures.js';
import { quietLogger, recordEvents, resetOpenFeature } from './support.js';

/** Both providers through the real OpenFeature SDKs, on the Cuttlegate transport against the local server over loopback. */
describe('OpenFeature providers against the local flag server', () => {
  let server: FlagServer;
  let passed: FlagClient | undefined;

  beforeEach(async () => {
    OpenFeature.setLogger(quietLogger);
    ServerOpenFeature.setLogger(quietLogger);
    server = await startServer({ flags: openFeatureFlags(), logger: silent });
  });

  afterEach(async () => {
    await resetOpenFeature();
    passed?.close();
    passed = undefined;
    await server.close();
  });

  const options = (overrides: Partial<FlagClientOptions> = {}): FlagClientOptions => ({
    transport: cuttlegate({ serverUrl: server.url, apiKey: API_KEY, project: 'demo', environment: 'production' }),
    pollIntervalMs: 0,
    timeoutMs: 3_000,
    logger: silent,
    backoff: { baseMs: 20, capMs: 100 },
    ...overrides,
  });

  describe('web provider', () => {
    it('serves values and details of every type from one bulk request', async () => {
      await OpenFeature.setContext({ targetingKey: 'user-9', plan: 'pro', country: 'DE' });
      await OpenFeature.setProviderAndWait(new FlagstreamWebProvider(options({ streaming: false })));
      const of = OpenFeature.getClient();
      expect(of.getBooleanValue('dark-mode', false)).toBe(true);
      expect(of.getStringValue('banner', 'none')).toBe('holiday');
      expect(of.getNumberValue('max-items', 0)).toBe(25);
      expect(of.getObjectValue('layout', {})).toEqual({ columns: 3 });
      expect(of.getBooleanDetails('dark-mode', false)).toMatchObject({ value: true, variant: 'true', reason: 'TARGETING_MATCH', flagMetadata: { type: 'bool', serverReason: 'rule_match' } });
      expect(of.getNumberDetails('max-items', 0)).toMatchObject({ value: 25, variant: '25', reason: 'DEFAULT' });
      expect(of.getNumberDetails('banner', 5)).toMatchObject({ value: 5, errorCode: ErrorCode.TYPE_MISMATCH });
      expect(of.getStringDetails('no-such-flag', 'd')).toMatchObject({ value: 'd', errorCode: ErrorCode.FLAG_NOT_FOUND });
      expect(server.requests.bulk).toBe(1);
    });

    it('re-evaluates for the new context on a context change (identify)', async () => {
      await OpenFeature.setContext({ targetingKey: 'user-9', plan: 'pro' });
      await OpenFeature.setProviderAndWait(new FlagstreamWebProvider(options({ streaming: false })));
      const of = OpenFeature.getClient();
      expect(of.getBooleanValue('dark-mode', false)).toBe(true);
      const change = OpenFeature.setContext({ targetingKey: 'user-9', plan: 'free', country: 'DE' });
      expect(of.providerStatus).toBe(ProviderStatus.RECONCILING);
      await change;
      expect(of.providerStatus).toBe(ProviderStatus.READY);
      expect(of.getBooleanValue('dark-mode', true)).toBe(false);
      expect(of.getStringValue('banner', 'none')).toBe('holiday');
      expect(server.requests.bulk).toBe(2);
    });

    it('sends PROVIDER_CONFIGURATION_CHANGED with the toggled key after a server toggle', async () => {
      const provider = new FlagstreamWebProvider(options({ context: { userId: 'user-9', attributes: { plan: 'pro' } } }));
      await OpenFeature.setProviderAndWait(provider);
      await server.waitForStreams(1);
      const events = await recordEvents(OpenFeature, [ProviderEvents.ConfigurationChanged]);
      const changed = events.next(ProviderEvents.ConfigurationChanged);
      server.toggle('demo', 'production', 'dark-mode', false);
      expect((await changed).details?.flagsChanged).toEqual(['dark-mode']);
      expect(OpenFeature.getClient().getBooleanDetails('dark-mode', true)).toMatchObject({ value: true, reason: 'DISABLED' });
      expect(events.seen).toHaveLength(1);
    });

    it('is fatal after a 401 (wrong API key): initialization fails and reads give PROVIDER_FATAL', async () => {
      const transport = cuttlegate({ serverUrl: server.url, apiKey: WRONG_KEY, project: 'demo', environment: 'production' });
      const failure = await OpenFeature.setProviderAndWait(new FlagstreamWebProvider(options({ transport }))).catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: ErrorCode.PROVIDER_FATAL });
      expect(String((failure as Error).message)).not.toContain(WRONG_KEY);
      const of = OpenFeature.getClient();
      expect(of.providerStatus).toBe(ProviderStatus.FATAL);
      expect(of.getBooleanDetails('dark-mode', true)).toMatchObject({ value: true, errorCode: ErrorCode.PROVIDER_FATAL });
    });

    it('closes the client it created on OpenFeature.close(): its stream ends', async () => {
      const provider = new FlagstreamWebProvider(options());
      await OpenFeature.setProviderAndWait(provider);
      await server.waitForStreams(1);
      await OpenFeature.close();
      expect(provider.client.status.state).toBe('closed');
      await expect.poll(() => server.streamCount, { timeout: 5_000 }).toBe(0);
    });
  });

  describe('server provider', () => {
    it('answers its own context from the snapshot and other contexts with one bulk request each', async () => {
      await ServerOpenFeature.setProviderAndWait(new FlagstreamServerProvider(options({ streaming: false, context: { userId: 'svc', attributes: { plan: 'pro' } } })));
      const of = ServerOpenFeature.getClient();
      expect(server.requests.bulk).toBe(1);
      expect(await of.getBooleanValue('dark-mode', false)).toBe(true);
      expect(await of.getBooleanValue('dark-mode', false, { targetingKey: 'svc', plan: 'pro' })).toBe(true);
      expect(server.requests.bulk).toBe(1);
      const free = { targetingKey: 'u-1', plan: 'free', country: 'DE' };
      expect(await of.getBooleanDetails('dark-mode', true, free)).toMatchObject({ value: false, variant: 'false', reason: 'DEFAULT' });
      expect(await of.getStringValue('banner', 'none', free)).toBe('holiday');
      expect(await of.getObjectValue('layout', {}, free)).toEqual({ columns: 3 });
      expect(await of.getNumberDetails('banner', 1, free)).toMatchObject({ value: 1, errorCode: ErrorCode.TYPE_MISMATCH });
      expect(await of.getNumberDetails('gone', 1, free)).toMatchObject({ value: 1, errorCode: ErrorCode.FLAG_NOT_FOUND });
      expect(server.requests.bulk).toBe(2);
      expect(await of.getStringValue('banner', 'none', { targetingKey: 'u-2' })).toBe('welcome');
      expect(server.requests.bulk).toBe(3);
    });

    it('sends PROVIDER_CONFIGURATION_CHANGED after a toggle and leaves a passed client open on close', async () => {
      passed = createFlagClient(options({ context: { userId: 'svc', attributes: { plan: 'pro' } } }));
      await ServerOpenFeature.setProviderAndWait(new FlagstreamServerProvider(passed));
      await server.waitForStreams(1);
      const events = await recordEvents(ServerOpenFeature, [ServerEvents.ConfigurationChanged]);
      const changed = events.next(ServerEvents.ConfigurationChanged);
      server.toggle('demo', 'production', 'max-items', false);
      expect((await changed).details?.flagsChanged).toEqual(['max-items']);
      await ServerOpenFeature.close();
      expect(passed.status.state).toBe('ready');
      expect(server.streamCount).toBe(1);
      server.toggle('demo', 'production', 'max-items', true);
      await firstValueFrom(passed.flag$('max-items').pipe(filter((r) => r.enabled), timeout(5_000)));
      expect(events.seen).toHaveLength(1);
    });

    it('fails initialization with PROVIDER_FATAL after a 401', async () => {
      const transport = cuttlegate({ serverUrl: server.url, apiKey: WRONG_KEY, project: 'demo', environment: 'production' });
      await expect(ServerOpenFeature.setProviderAndWait(new FlagstreamServerProvider(options({ transport })))).rejects.toMatchObject({
        code: ErrorCode.PROVIDER_FATAL,
      });
      expect(await ServerOpenFeature.getClient().getBooleanDetails('dark-mode', true)).toMatchObject({ value: true, errorCode: ErrorCode.PROVIDER_FATAL });
    });
  });
}, 20_000);
