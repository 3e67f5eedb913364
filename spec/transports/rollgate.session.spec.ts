import { ReplaySubject, asyncScheduler, filter, firstValueFrom, lastValueFrom, takeWhile, toArray, type SchedulerLike } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { rollgate } from '../../lib/transports/rollgate/index.js';
import type { StreamMessage, TransportSession } from '../../lib/transports/transport.js';
import type { EvalResult } from '../../lib/types.js';
import { FakeRollgate } from '../support/fake-rollgate.js';
import { captureLog } from '../support/log-capture.js';

/** The async scheduler with a clock the spec moves by hand (only `now()` differs). */
function manualClock(): SchedulerLike & { advance(ms: number): void } {
  let now = 0;
  return {
    now: () => now,
    schedule: asyncScheduler.schedule.bind(asyncScheduler) as SchedulerLike['schedule'],
    advance: (ms) => void (now += ms),
  };
}

let fake: FakeRollgate;
afterEach(() => fake.close());

function session(scheduler: SchedulerLike = asyncScheduler, typedReprobeMs?: number): TransportSession {
  const { logger } = captureLog();
  return rollgate({ apiKey: fake.apiKey, baseUrl: fake.url, typedReprobeMs }).connect({ fetch, timeoutMs: 5_000, scheduler, logger });
}

const flagsOf = (result: { kind: string; flags?: EvalResult[] }): Map<string, EvalResult> =>
  new Map((result.flags ?? []).map((flag) => [flag.key, flag]));

describe('rollgate session over loopback', () => {
  it('asks /v2/flags again after typedReprobeMs once it answered 404, so typed values come back', async () => {
    fake = await FakeRollgate.start([{ key: 'banner', on: true, type: 'string', value: 'hello' }]);
    fake.typedEndpoint = false;
    const clock = manualClock();
    const s = session(clock, 60_000);
    const ctx = { userId: 'u1' };
    expect(flagsOf(await lastValueFrom(s.load(ctx, { trigger: 'initial' }))).get('banner')?.value).toBe(true);
    await lastValueFrom(s.load(ctx, { trigger: 'poll' }));
    expect(fake.to('v2/flags')).toHaveLength(1);
    fake.typedEndpoint = true;
    clock.advance(60_000);
    const later = await lastValueFrom(s.load(ctx, { trigger: 'poll' }));
    expect(fake.to('v2/flags')).toHaveLength(2);
    expect(flagsOf(later as { kind: string; flags: EvalResult[] }).get('banner')?.value).toBe('hello');
  });

  it('waits the longest typedReprobeMs (2^31 − 1 ms) in full: it is a deadline on the clock, no timer that could fire early', async () => {
    fake = await FakeRollgate.start([{ key: 'banner', on: true, type: 'string', value: 'hello' }]);
    fake.typedEndpoint = false;
    const clock = manualClock();
    const longest = 2 ** 31 - 1;
    const s = session(clock, longest);
    const ctx = { userId: 'u1' };
    await lastValueFrom(s.load(ctx, { trigger: 'initial' }));
    fake.typedEndpoint = true;
    clock.advance(longest - 1);
    await lastValueFrom(s.load(ctx, { trigger: 'poll' }));
    expect(fake.to('v2/flags')).toHaveLength(1);
    clock.advance(1);
    await lastValueFrom(s.load(ctx, { trigger: 'poll' }));
    expect(fake.to('v2/flags')).toHaveLength(2);
    // One rule for every number option: past the longest timer delay is a ConfigError naming the option.
    for (const typedReprobeMs of [2 ** 31, Number.POSITIVE_INFINITY, -1, Number.NaN]) {
      expect(() => rollgate({ apiKey: fake.apiKey, typedReprobeMs })).toThrow(/^typedReprobeMs: must be a number from 0 to 2147483647/);
    }
  });

  it('drops the ETag when a stream init changes the snapshot, so a later 304 cannot pin a stale value', async () => {
    fake = await FakeRollgate.start([{ key: 'a', on: true }]);
    const s = session();
    const ctx = { userId: 'u1' };
    await lastValueFrom(s.load(ctx, { trigger: 'initial' })); // typed load: booleans only
    await lastValueFrom(s.load(ctx, { trigger: 'poll' })); // /flags: ETag for a=true
    expect(fake.to('flags').at(-1)?.ifNoneMatch).toBeUndefined();
    fake.set('a', { on: false }, false);
    // The init (a=false) lands in the snapshot; then the server goes back to the state the ETag named.
    const pushed = await firstValueFrom(s.stream!(ctx).pipe(filter((message) => message.type === 'flags')));
    expect(pushed).toMatchObject({ type: 'flags', flags: [{ key: 'a', value: false }] });
    fake.set('a', { on: true }, false);
    const result = await lastValueFrom(s.load(ctx, { trigger: 'poll' }));
    expect(fake.to('flags').at(-1)?.ifNoneMatch).toBeUndefined();
    expect(result.kind).toBe('flags');
    expect(flagsOf(result as { kind: string; flags: EvalResult[] }).get('a')?.value).toBe(true);
  });

  it('ignores an init that arrives after a load started behind the stream\'s opening has landed: it is older than that load', async () => {
    fake = await FakeRollgate.start([{ key: 'a', on: true }]);
    const s = session();
    const ctx = { userId: 'u1' };
    await lastValueFrom(s.load(ctx, { trigger: 'initial' }));
    fake.holdInit = true; // a proxy that passes the headers at once and the first frame late
    const stream = new ReplaySubject<StreamMessage>();
    const messages = lastValueFrom(stream.pipe(takeWhile((message) => message.type !== 'changed', true), toArray()));
    const subscription = s.stream!(ctx).subscribe(stream);
    await firstValueFrom(stream); // connected: the client starts its refetch only now
    fake.set('a', { on: false }, false);
    const reloaded = await lastValueFrom(s.load(ctx, { trigger: 'reconnect' })); // the refetch every connect starts
    expect(flagsOf(reloaded as { kind: string; flags: EvalResult[] }).get('a')?.value).toBe(false);
    fake.releaseInits(); // a=true, as it was when the stream connected
    fake.send('flag-changed', { key: 'b' });
    expect((await messages).map((message) => message.type)).toEqual(['connected', 'changed']);
    subscription.unsubscribe();
  });

  it('evaluates one-off contexts through X-User-Context: no identify record is touched', async () => {
    fake = await FakeRollgate.start([{ key: 'pro-only', on: false }]);
    fake.perUser.set('bob', new Map([['pro-only', { on: true }]]));
    const s = session();
    const bob = { userId: 'bob', email: 'b@example.com', attributes: { plan: 'pro' } };
    const oneOff = await lastValueFrom(s.load(bob, { trigger: 'refresh', oneOff: true }));
    expect(flagsOf(oneOff as { kind: string; flags: EvalResult[] }).get('pro-only')?.value).toBe(true);
    const single = await lastValueFrom(s.evaluate('pro-only', bob));
    expect(single.value).toBe(true);
    for (const request of fake.flagRequests) {
      expect(request.userContext).toEqual({ id: 'bob', email: 'b@example.com', attributes: { plan: 'pro' } });
    }
    expect(fake.to('identify')).toHaveLength(0);
    expect(fake.identified.size).toBe(0);
  });

  it('main-context loads send no X-User-Context (the identify record applies)', async () => {
    fake = await FakeRollgate.start([{ key: 'a', on: true }]);
    await lastValueFrom(session().load({ userId: 'u1', attributes: { plan: 'pro' } }, { trigger: 'initial' }));
    expect(fake.flagRequests.every((request) => request.userContext === undefined)).toBe(true);
  });

  it('enabled means switched on: a flag off for this user by rollout is enabled, an OFF one is not', async () => {
    fake = await FakeRollgate.start([
      { key: 'rollout', on: false, reason: { kind: 'FALLTHROUGH' } },
      { key: 'killed', on: false, reason: { kind: 'OFF' } },
      { key: 'typed-out', on: false, type: 'string', value: 'x', reason: { kind: 'RULE_MATCH', ruleId: 'r' } },
    ]);
    const s = session();
    for (const trigger of ['initial', 'poll'] as const) {
      const flags = flagsOf((await lastValueFrom(s.load({ userId: 'u' }, { trigger }))) as { kind: string; flags: EvalResult[] });
      expect(flags.get('rollout')).toMatchObject({ enabled: true, value: false });
      expect(flags.get('killed')).toMatchObject({ enabled: false, value: false });
      if (trigger === 'initial') expect(flags.get('typed-out')).toMatchObject({ enabled: true, value: undefined });
    }
  });
});
