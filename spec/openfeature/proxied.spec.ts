import { describe, expect, it } from 'vitest';
import { createFlagClient, type EvalContext } from '../../lib/index.js';
import { FlagstreamServerProvider, FlagstreamWebProvider } from '../../lib/openfeature/index.js';
import { testSource } from '../../lib/testing/index.js';
import { silent } from '../support/virtual.js';

/**
 * Apps keep providers in state that wraps objects in a Proxy (Vue's `reactive()`, MobX): the
 * provider's methods then run with the proxy as `this`, so a provider must not keep its state where
 * only the original object can reach it (ES `#private` fields), as for clients (spec/client/proxied.virtual.spec.ts).
 */
describe('a provider behind a Proxy', () => {
  const plan = (context: EvalContext): string => String(context.attributes?.plan ?? 'free');

  it('web: initializes, switches context, resolves, tracks and closes through the proxy', async () => {
    const source = testSource({ plan, on: true });
    const provider = new Proxy(new FlagstreamWebProvider({ transport: source, streaming: false, pollIntervalMs: 0, logger: silent }), {});
    await provider.initialize({ targetingKey: 'u1', plan: 'pro' });
    expect(provider.resolveStringEvaluation('plan', 'none').value).toBe('pro');
    expect(provider.resolveBooleanEvaluation('on', false).value).toBe(true);
    await provider.onContextChange({ targetingKey: 'u1', plan: 'pro' }, { targetingKey: 'u2' });
    expect(provider.resolveStringEvaluation('plan', 'none').value).toBe('free');
    expect(provider.client.context).toEqual({ userId: 'u2' });
    provider.track('clicked', { targetingKey: 'u2' }, { flagKey: 'on' });
    await provider.client.flush();
    expect(source.tracked).toMatchObject([{ flagKey: 'on', eventName: 'clicked', userId: 'u2' }]);
    await provider.onClose();
    expect(provider.client.status.state).toBe('closed');
  });

  it('server: initializes, resolves for its own and for another context, and closes through the proxy', async () => {
    const source = testSource({ plan });
    const client = createFlagClient({ transport: source, context: { userId: 'owner', attributes: { plan: 'pro' } }, streaming: false, pollIntervalMs: 0, logger: silent });
    const provider = new Proxy(new FlagstreamServerProvider(client), {});
    await provider.initialize();
    expect((await provider.resolveStringEvaluation('plan', 'none', { targetingKey: 'owner', plan: 'pro' })).value).toBe('pro');
    expect((await provider.resolveStringEvaluation('plan', 'none', { targetingKey: 'other' })).value).toBe('free');
    await provider.onClose();
    expect(client.status.state).not.toBe('closed'); // a lent client stays open
    client.close();
  });
});
