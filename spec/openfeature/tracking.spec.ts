/**
 * OpenFeature tracking through both providers and the real SDKs: on rollgate() the event reaches the
 * local server's events route; on a transport without an events endpoint it is dropped (one warning).
 */
import { OpenFeature as ServerOpenFeature } from '@openfeature/server-sdk';
import { OpenFeature as WebOpenFeature } from '@openfeature/web-sdk';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, cuttlegate, rollgate, type FlagClientOptions, type Transport } from '../../lib/index.js';
import { FlagstreamServerProvider, FlagstreamWebProvider } from '../../lib/openfeature/index.js';
import type { FlagServer } from '../../lib/server/index.js';
import { captureLog } from '../support/log-capture.js';
import { silent } from '../support/virtual.js';
import { API_KEY } from './fixtures.js';
import { quietLogger, sameAnswerServer } from './support.js';

describe('OpenFeature track() through the flagstream providers (local server)', () => {
  const local = sameAnswerServer();
  let server: FlagServer;

  beforeEach(() => {
    server = local();
    server.clearTracking();
    server.resetRequests();
  });

  const options = (transport: Transport, overrides: Partial<FlagClientOptions> = {}): FlagClientOptions => ({
    transport,
    context: { userId: 'user-7' },
    streaming: false,
    pollIntervalMs: 0,
    logger: silent,
    ...overrides,
  });

  it('server SDK on rollgate(): the event arrives at the events route, the context’s user and the details’ fields on it', async () => {
    const provider = new FlagstreamServerProvider(options(rollgate({ baseUrl: server.url, apiKey: API_KEY })));
    await ServerOpenFeature.setProviderAndWait(provider);
    ServerOpenFeature.getClient().track('purchase', { targetingKey: 'user-9', plan: 'pro' }, {
      flagKey: 'checkout-variant',
      variant: 'one-page',
      value: 29.99,
      currency: 'EUR',
    });
    await provider.client.flush();
    expect(server.trackedEvents).toEqual([
      expect.objectContaining({
        flagKey: 'checkout-variant',
        eventName: 'purchase',
        userId: 'user-9',
        variationId: 'one-page',
        value: 29.99,
        metadata: { currency: 'EUR' },
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      }),
    ]);
  });

  it('web SDK on rollgate(): the event carries the static context’s user', async () => {
    const provider = new FlagstreamWebProvider(options(rollgate({ baseUrl: server.url, apiKey: API_KEY })));
    await WebOpenFeature.setContext({ targetingKey: 'user-7' });
    await WebOpenFeature.setProviderAndWait(provider);
    WebOpenFeature.getClient().track('signup', { flagKey: 'dark-mode' });
    await provider.client.flush();
    expect(server.trackedEvents).toEqual([expect.objectContaining({ flagKey: 'dark-mode', eventName: 'signup', userId: 'user-7' })]);
    expect(server.trackedEvents[0]).not.toHaveProperty('metadata');
  });

  it('a malformed event (no flagKey) is the client’s ConfigError, which the SDK logs at debug level; nothing is sent', async () => {
    const logged: unknown[] = [];
    ServerOpenFeature.setLogger({ ...quietLogger, debug: (...args: unknown[]) => logged.push(...args) });
    const provider = new FlagstreamServerProvider(options(rollgate({ baseUrl: server.url, apiKey: API_KEY })));
    await ServerOpenFeature.setProviderAndWait(provider);
    ServerOpenFeature.getClient().track('purchase', { targetingKey: 'user-9' }, { value: 5 });
    await provider.client.flush();
    expect(server.trackedEvents).toEqual([]);
    expect(logged.find((item) => item instanceof ConfigError)).toMatchObject({ field: 'event.flagKey' });
  });

  it('on cuttlegate() (no events endpoint) it sends nothing and warns once', async () => {
    const log = captureLog();
    const transport = cuttlegate({ serverUrl: server.url, apiKey: API_KEY, project: 'demo', environment: 'production' });
    const provider = new FlagstreamServerProvider(options(transport, { logger: log.logger }));
    await ServerOpenFeature.setProviderAndWait(provider);
    const client = ServerOpenFeature.getClient();
    client.track('purchase', {}, { flagKey: 'checkout-variant' });
    client.track('purchase', {}, { flagKey: 'checkout-variant' });
    await provider.client.flush();
    expect(server.trackedEvents).toEqual([]);
    expect(server.requestLog.map((entry) => entry.route)).not.toContain('rollgate-events');
    expect(log.lines.filter((line) => line.includes('no events endpoint'))).toHaveLength(1);
  });
});
