/**
 * The client under random interleavings of identify(), refresh(), evaluateFor(), snapshotFor(),
 * ready(), resetCircuit(), failures (a 401 among them), recoveries, latency, stream drops and time, in
 * virtual time: every promise it returns settles (a value or a typed error) once time passes, and all
 * of them by close(); and while no identify() is pending, values `ready` from the network are the
 * current context's.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { AuthError, FlagstreamError, NetworkError, RequestError, ServerError, type EvalContext } from '../../lib/index.js';
import { testSource } from '../../lib/testing/index.js';
import { advanceByInstants, afterReactions, clientOn, virtualTime } from '../support/virtual.js';

const CONTEXTS: EvalContext[] = [{ userId: 'a' }, { userId: 'b', attributes: { plan: 'pro' } }, { userId: 'c' }];
const planOf = (context: EvalContext): string => `${context.userId}:${String(context.attributes?.plan ?? 'free')}`;
const FAILURES = [() => new ServerError(503), () => new NetworkError('offline'), () => new RequestError(400, 'rejected'), () => new AuthError(401)];
const CALLS = ['identify', 'refresh', 'evaluateFor', 'snapshotFor', 'ready'] as const;

type Op =
  | { op: (typeof CALLS)[number]; at: number }
  | { op: 'fail'; failure: number; times?: number }
  | { op: 'recover' | 'resetCircuit' | 'disconnect' }
  | { op: 'delay'; ms: number }
  | { op: 'advance'; ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom(...CALLS), at: fc.nat(CONTEXTS.length - 1) }),
  fc.record({ op: fc.constant('fail' as const), failure: fc.nat(FAILURES.length - 1), times: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }) }),
  fc.record({ op: fc.constantFrom('recover' as const, 'resetCircuit' as const, 'disconnect' as const) }),
  // Every answer takes a while (at least 1 ms), as over a network.
  fc.record({ op: fc.constant('delay' as const), ms: fc.constantFrom(1, 50, 300, 2_500) }),
  fc.record({ op: fc.constant('advance' as const), ms: fc.constantFrom(1, 100, 1_000, 5_000) }),
);

it('settles every promise, and serves `ready` network values of the current context only', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 20, maxLength: 40 }), fc.boolean(), async (ops, streaming) => {
      const source = testSource({ plan: planOf });
      source.delay(1);
      const ts = virtualTime();
      const client = clientOn(source, ts, { context: CONTEXTS[0], streaming, pollIntervalMs: 5_000, timeoutMs: 2_000 });
      const advance = (ms: number): Promise<void> => advanceByInstants(ts, ms);
      const calls: Array<{ what: string; settled: boolean; untyped?: unknown }> = [];
      const call = (what: string, promise: Promise<unknown>): void => {
        const entry: (typeof calls)[number] = { what, settled: false };
        calls.push(entry);
        promise.then(
          () => (entry.settled = true),
          (error: unknown) => {
            entry.settled = true;
            if (!(error instanceof FlagstreamError)) entry.untyped = error;
          },
        );
      };
      const problems: string[] = [];
      for (const step of ops) {
        if (step.op === 'identify') call('identify', client.identify(CONTEXTS[step.at]!));
        else if (step.op === 'refresh') call('refresh', client.refresh());
        else if (step.op === 'evaluateFor') call('evaluateFor', client.evaluateFor('plan', CONTEXTS[step.at]!));
        else if (step.op === 'snapshotFor') call('snapshotFor', client.snapshotFor(CONTEXTS[step.at]!));
        else if (step.op === 'ready') call('ready', client.ready({ timeoutMs: 3_000 }));
        else if (step.op === 'fail') source.fail(FAILURES[step.failure]!(), step.times);
        else if (step.op === 'recover') source.recover();
        else if (step.op === 'resetCircuit') client.resetCircuit();
        else if (step.op === 'disconnect') source.disconnect();
        else if (step.op === 'delay') source.delay(step.ms);
        else if (step.op === 'advance') await advance(step.ms);
        await afterReactions();
        const identifying = calls.some((entry) => entry.what === 'identify' && !entry.settled);
        const { state, source: from } = client.status;
        if (!identifying && state === 'ready' && from === 'network' && client.string('plan', '?') !== planOf(client.context)) {
          problems.push(`${JSON.stringify(step)}: ready from the network with ${client.string('plan', '?')} for ${planOf(client.context)}`);
        }
      }
      await advance(120_000); // past every backoff (30 s cap) and circuit wait
      const open = calls.filter((entry) => !entry.settled).map((entry) => entry.what);
      client.close();
      await afterReactions();
      expect({ problems, open, afterClose: calls.filter((entry) => !entry.settled).map((entry) => entry.what) }).toEqual({ problems: [], open: [], afterClose: [] });
      expect(calls.filter((entry) => entry.untyped !== undefined)).toEqual([]);
    }),
    { numRuns: 25 },
  );
});
