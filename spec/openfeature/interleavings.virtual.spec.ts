/**
 * The web provider under random interleavings of context changes, refreshes, failures, recoveries,
 * latency and time, in virtual time: whenever no context change is pending, the SDK's provider status
 * is the client's health, and a provider the SDK calls READY on network values serves the values of
 * the client's own context.
 */
import { OpenFeature, ProviderStatus, type EvaluationContext } from '@openfeature/web-sdk';
import fc from 'fast-check';
import { afterEach, expect, it } from 'vitest';
import { AuthError, NetworkError, RequestError, ServerError, type EvalContext, type FlagClient } from '../../lib/index.js';
import { FlagstreamWebProvider } from '../../lib/openfeature/index.js';
import { testSource } from '../../lib/testing/index.js';
import { advanceByInstants, afterReactions, clientOn, virtualTime } from '../support/virtual.js';
import { quietLogger, resetOpenFeature } from './support.js';

const CONTEXTS: EvaluationContext[] = [{ targetingKey: 'a' }, { targetingKey: 'b', plan: 'pro' }, { targetingKey: 'c' }];
const planOf = (context: EvalContext): string => `${context.userId}:${String(context.attributes?.plan ?? 'free')}`;
const FAILURES = [() => new ServerError(503), () => new NetworkError('offline'), () => new RequestError(400, 'rejected'), () => new AuthError(401)];

type Op =
  | { op: 'setContext'; at: number }
  | { op: 'refresh' }
  | { op: 'fail'; failure: number; times?: number }
  | { op: 'recover' }
  | { op: 'delay'; ms: number }
  | { op: 'advance'; ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('setContext' as const), at: fc.nat(CONTEXTS.length - 1) }),
  fc.record({ op: fc.constant('refresh' as const) }),
  fc.record({ op: fc.constant('fail' as const), failure: fc.nat(FAILURES.length - 1), times: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }) }),
  fc.record({ op: fc.constant('recover' as const) }),
  // Every answer takes a while (at least 1 ms), as over a network: none lands in the task that asked.
  fc.record({ op: fc.constant('delay' as const), ms: fc.constantFrom(1, 50, 300, 2_500) }),
  fc.record({ op: fc.constant('advance' as const), ms: fc.constantFrom(1, 100, 1_000, 5_000) }),
);

/** The provider status the client's status stands for ('?' while it is initializing). */
function statusFor(client: FlagClient): string {
  const { state, source, error } = client.status;
  if (error instanceof AuthError) return ProviderStatus.FATAL;
  if (state === 'stale' || (state === 'error' && source !== 'none')) return ProviderStatus.STALE;
  if (state === 'error') return ProviderStatus.ERROR;
  return state === 'ready' ? ProviderStatus.READY : '?';
}

afterEach(resetOpenFeature);

it('keeps the provider status on the client’s health, and READY values on the client’s context', async () => {
  OpenFeature.setLogger(quietLogger);
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 20, maxLength: 40 }), fc.boolean(), async (ops, streaming) => {
      await resetOpenFeature();
      const source = testSource({ plan: planOf });
      source.delay(1);
      const ts = virtualTime();
      const client = clientOn(source, ts, { context: { userId: 'a' }, streaming, pollIntervalMs: 5_000, timeoutMs: 2_000 });
      const advance = (ms: number): Promise<void> => advanceByInstants(ts, ms);
      const setting = OpenFeature.setProviderAndWait(new FlagstreamWebProvider(client));
      await afterReactions();
      await advance(1_000);
      await setting;
      const of = OpenFeature.getClient();
      let changing = 0;
      const problems: string[] = [];
      try {
        for (const step of ops) {
          if (step.op === 'setContext') {
            changing += 1;
            void OpenFeature.setContext(CONTEXTS[step.at]!).finally(() => (changing -= 1));
          } else if (step.op === 'refresh') void client.refresh().catch(() => undefined);
          else if (step.op === 'fail') source.fail(FAILURES[step.failure]!(), step.times);
          else if (step.op === 'recover') source.recover();
          else if (step.op === 'delay') source.delay(step.ms);
          else await advance(step.ms);
          await afterReactions();
          if (changing > 0) continue;
          const want = statusFor(client);
          const got = of.providerStatus;
          if (want !== '?' && got !== want) {
            problems.push(`${JSON.stringify(step)}: provider ${got}, client ${JSON.stringify(client.status)}`);
          }
          if (got === ProviderStatus.READY && client.status.source === 'network' && of.getStringValue('plan', '?') !== planOf(client.context)) {
            problems.push(`${JSON.stringify(step)}: READY with ${of.getStringValue('plan', '?')} for ${planOf(client.context)}`);
          }
        }
      } finally {
        client.close();
      }
      expect(problems).toEqual([]);
    }),
    { numRuns: 50 },
  );
});
