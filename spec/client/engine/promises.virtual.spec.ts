import fc from 'fast-check';
import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { AuthError, ClosedError, FlagstreamError, ServerError, type EvalContext, type FlagClient } from '../../../lib/index.js';
import { testSource, type TestSource } from '../../../lib/testing/index.js';
import { clientOn } from '../../support/virtual.js';

/** A flag whose value is the user it was evaluated for. */
const flags = { user: (ctx: EvalContext) => ctx.userId ?? 'anon' };

type Op =
  | { at: number; kind: 'identify'; user: string }
  | { at: number; kind: 'refresh' }
  | { at: number; kind: 'auth-error' }
  | { at: number; kind: 'outage' }
  | { at: number; kind: 'recover' }
  | { at: number; kind: 'disconnect' }
  | { at: number; kind: 'reset-circuit' }
  | { at: number; kind: 'latency'; ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ at: fc.integer({ min: 0, max: 20_000 }), kind: fc.constant('identify' as const), user: fc.constantFrom('a', 'b', 'c') }),
  fc.record({ at: fc.integer({ min: 0, max: 20_000 }), kind: fc.constant('refresh' as const) }),
  fc.record({ at: fc.integer({ min: 0, max: 20_000 }), kind: fc.constant('auth-error' as const) }),
  fc.record({ at: fc.integer({ min: 0, max: 20_000 }), kind: fc.constant('outage' as const) }),
  fc.record({ at: fc.integer({ min: 0, max: 20_000 }), kind: fc.constant('recover' as const) }),
  fc.record({ at: fc.integer({ min: 0, max: 20_000 }), kind: fc.constant('disconnect' as const) }),
  fc.record({ at: fc.integer({ min: 0, max: 20_000 }), kind: fc.constant('reset-circuit' as const) }),
  fc.record({ at: fc.integer({ min: 0, max: 20_000 }), kind: fc.constant('latency' as const), ms: fc.constantFrom(0, 50, 2_000, 15_000) }),
);

const setup = fc.record({ streaming: fc.boolean(), pollIntervalMs: fc.constantFrom(0, 5_000) });

/** Runs `ops` against a client in virtual time; returns how every promise it handed out ended. */
async function play(ops: Op[], options: { streaming: boolean; pollIntervalMs: number }, closeAt?: number) {
  const source: TestSource = testSource(flags);
  // Virtual time up to 10 minutes: every op happens in the first 20 s, so whatever the engine does,
  // each promise has had minutes of backoff, Retry-After and circuit time to settle.
  const scheduler = new VirtualTimeScheduler(undefined, 600_000);
  const client: FlagClient = clientOn(source, scheduler as never, { ...options, context: { userId: 'anon' } });
  const outcomes: Array<{ op: string; state: 'pending' | 'resolved' | 'rejected'; error?: unknown }> = [];
  const track = (name: string, promise: Promise<unknown>): void => {
    const entry: (typeof outcomes)[number] = { op: name, state: 'pending' };
    outcomes.push(entry);
    promise.then(
      () => (entry.state = 'resolved'),
      (error: unknown) => {
        entry.state = 'rejected';
        entry.error = error;
      },
    );
  };
  track('ready', client.ready());
  for (const step of ops) {
    scheduler.schedule(() => {
      switch (step.kind) {
        case 'identify':
          track(`identify(${step.user})@${step.at}`, client.identify({ userId: step.user }));
          break;
        case 'refresh':
          track(`refresh@${step.at}`, client.refresh());
          break;
        case 'auth-error':
          source.fail(new AuthError(401));
          break;
        case 'outage':
          source.fail(new ServerError(503));
          break;
        case 'recover':
          source.recover();
          break;
        case 'disconnect':
          source.disconnect();
          break;
        case 'reset-circuit':
          client.resetCircuit();
          break;
        case 'latency':
          source.delay(step.ms);
          break;
      }
    }, step.at);
  }
  if (closeAt !== undefined) scheduler.schedule(() => client.close(), closeAt);
  scheduler.flush();
  await new Promise((resolve) => setTimeout(resolve, 0));
  client.close();
  return outcomes;
}

describe('every promise settles, whatever the interleaving (virtual time)', () => {
  it('identify(B); refresh() before B’s stream is up; identify(C): every promise settles with C’s load', async () => {
    const outcomes = await play(
      [
        { at: 100, kind: 'identify', user: 'b' },
        { at: 150, kind: 'refresh' },
        { at: 200, kind: 'identify', user: 'c' },
      ],
      { streaming: true, pollIntervalMs: 0 },
    );
    expect(outcomes.map((o) => `${o.op}:${o.state}`)).toEqual(['ready:resolved', 'identify(b)@100:resolved', 'refresh@150:resolved', 'identify(c)@200:resolved']);
  });

  it('refresh() calls waiting behind a load that a context switch cancels and a 401 ends all reject with the AuthError', async () => {
    const outcomes = await play(
      [
        { at: 100, kind: 'latency', ms: 2_000 },
        { at: 200, kind: 'refresh' },
        { at: 300, kind: 'auth-error' },
        { at: 400, kind: 'refresh' },
        { at: 500, kind: 'identify', user: 'b' },
      ],
      { streaming: false, pollIntervalMs: 0 },
    );
    // refresh@200's load (answering at 2.2 s) is cancelled by the switch at 0.5 s; b's load, sent
    // after the key was revoked at 0.3 s, answers 401 at 2.5 s: it settles everything waiting
    expect(outcomes.map((o) => `${o.op}:${o.state}`)).toEqual(['ready:resolved', 'refresh@200:rejected', 'refresh@400:rejected', 'identify(b)@500:rejected']);
    for (const outcome of outcomes.slice(1)) expect(outcome.error).toBeInstanceOf(AuthError);
  });

  it('property: any interleaving of identify/refresh/auth errors/outages/disconnects/resets settles every promise in bounded time, with typed errors', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 12 }), setup, async (ops, options) => {
        const outcomes = await play(ops, options);
        for (const outcome of outcomes) {
          expect(outcome.state, `${outcome.op} still pending; ops ${JSON.stringify(ops)}`).not.toBe('pending');
          if (outcome.state === 'rejected') expect(outcome.error).toBeInstanceOf(FlagstreamError);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('property: close() at any moment settles everything still pending with ClosedError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 10 }), setup, fc.integer({ min: 0, max: 25_000 }), async (ops, options, closeAt) => {
        const outcomes = await play(ops, options, closeAt);
        for (const outcome of outcomes) {
          expect(outcome.state, `${outcome.op} still pending; ops ${JSON.stringify(ops)}`).not.toBe('pending');
          if (outcome.state === 'rejected') expect(outcome.error).toBeInstanceOf(FlagstreamError);
        }
        const afterClose = outcomes.filter((o) => o.state === 'rejected' && o.error instanceof ClosedError);
        expect(afterClose.every((o) => o.op !== 'ready')).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
