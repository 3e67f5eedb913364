import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { AuthError, NetworkError, ServerError, type EvalContext } from '../../lib/index.js';
import { fleetHost } from '../../lib/client/features/fleet-host.js';
import { storeScope } from '../../lib/client/features/store-scope.js';
import { memoryStore } from '../../lib/stores/index.js';
import { testSource, type TestSource } from '../../lib/testing/index.js';
import { clientOn, virtualTime } from '../support/virtual.js';

/** Every client here starts as the user `anon`. */
const asAnon = { context: { userId: 'anon' } };

/** A flag whose value is the plan of the context it is evaluated for. */
const planFlag = { plan: (ctx: EvalContext) => String(ctx.attributes?.plan ?? 'free') };

/** A stored record of `context` for the test source, whose `plan` is `plan`. */
const record = (context: EvalContext, plan: string) => ({
  version: 1 as const,
  scope: storeScope('test', context),
  savedAt: '2026-01-01T00:00:00.000Z',
  flags: [{ key: 'plan', enabled: true, variant: plan, value: plan, reason: 'default', evaluatedAt: '2026-01-01T00:00:00.000Z', source: 'network' as const }],
});

/** Runs `scheduler` on in 100-frame steps, letting promises (a store's, the client's) settle between them. */
const settler =
  (scheduler: VirtualTimeScheduler, defaultSteps = 20) =>
  async (steps = defaultSteps): Promise<void> => {
    for (let step = 0; step < steps; step++) {
      scheduler.maxFrames += 100;
      scheduler.flush();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  };

const loadsOf = (source: TestSource): string[] =>
  source.requests.flatMap((r) => (r.type === 'load' ? [`${r.at}:${r.trigger}:${r.context.userId}`] : []));

describe('identify(), in virtual time', () => {
  it('switches context: the new context’s values replace the old ones; the promise settles when they land', async () => {
    const source = testSource(planFlag);
    source.delay(100);
    const ts = virtualTime();
    const settled: string[] = [];
    ts.run(({ expectObservable }) => {
      const client = clientOn(source, ts, asAnon);
      expectObservable(client.string$('plan', '?')).toBe('100ms f 199ms p 699ms |', { f: 'free', p: 'pro' });
      ts.schedule(() => {
        void client.identify({ userId: 'alice', attributes: { plan: 'pro' } }).then(() => settled.push('alice'));
      }, 200);
      ts.schedule(() => client.close(), 1_000);
    });
    expect(loadsOf(source)).toEqual(['0:initial:anon', '200:identify:alice']);
    await Promise.resolve();
    expect(settled).toEqual(['alice']);
  });

  it('drops the response for a context that was switched away from before it landed', async () => {
    const source = testSource(planFlag);
    source.delay(100);
    const ts = virtualTime();
    const settled: string[] = [];
    ts.run(({ expectObservable }) => {
      const client = clientOn(source, ts, asAnon);
      expectObservable(client.string$('plan', '?')).toBe('100ms f 249ms t 649ms |', { f: 'free', t: 'team' });
      const switchTo = (userId: string, plan: string): void => {
        void client.identify({ userId, attributes: { plan } }).then(() => settled.push(userId));
      };
      ts.schedule(() => switchTo('alice', 'pro'), 200);
      ts.schedule(() => switchTo('bob', 'team'), 250);
      ts.schedule(() => client.close(), 1_000);
    });
    expect(loadsOf(source)).toEqual(['0:initial:anon', '200:identify:alice', '250:identify:bob']);
    // alice's identify() is not left hanging: it settles with bob's load
    await Promise.resolve();
    expect(settled.sort()).toEqual(['alice', 'bob']);
  });

  it('stops retrying the old context once switched', () => {
    const source = testSource(planFlag);
    source.fail(new ServerError(503), 1);
    const ts = virtualTime();
    ts.run(({ expectObservable }) => {
      const client = clientOn(source, ts, asAnon);
      expectObservable(client.string$('plan', '?')).toBe('500ms p 9499ms |', { p: 'pro' });
      ts.schedule(() => void client.identify({ userId: 'alice', attributes: { plan: 'pro' } }), 500);
      ts.schedule(() => client.close(), 10_000);
    });
    // anon's retry would have been at 1 s
    expect(loadsOf(source)).toEqual(['0:initial:anon', '500:identify:alice']);
  });

  it('a new context whose load fails is served its own stored record, never the last context’s values', async () => {
    const store = memoryStore();
    const alice = { userId: 'alice', attributes: { plan: 'pro' } };
    await store.save(record(asAnon.context, 'stored-free'));
    await store.save(record(alice, 'stored-pro'));
    const source = testSource(planFlag);
    source.fail(new NetworkError('offline'));
    const scheduler = new VirtualTimeScheduler(undefined, 0);
    const client = clientOn(source, scheduler as never, { ...asAnon, store, circuitBreaker: false });
    // Virtual time in 100 ms steps, the store's promises settling between them (its calls time out after 5 s).
    const settle = settler(scheduler, 100);
    void client.ready();
    await settle();
    expect([client.string('plan', '?'), client.status.source, client.status.state]).toEqual(['stored-free', 'store', 'stale']);
    const switched = client.identify(alice).catch((error: unknown) => error);
    await settle();
    expect(await switched).toBeInstanceOf(NetworkError);
    expect([client.string('plan', '?'), client.status.source, client.status.state]).toEqual(['stored-pro', 'store', 'stale']);
    client.close();
  });

  it('a new context whose load fails, with no record of its own, is served nothing of the last context: its defaults, or the bootstrap', async () => {
    for (const bootstrap of [undefined, { plan: 'boot' }]) {
      const source = testSource(planFlag);
      const scheduler = new VirtualTimeScheduler(undefined, 0);
      const client = clientOn(source, scheduler as never, { ...asAnon, bootstrap, circuitBreaker: false });
      const settle = settler(scheduler);
      const seen: string[] = [];
      client.string$('plan', '?').subscribe((plan) => seen.push(plan));
      await settle();
      expect([client.string('plan', '?'), client.status.source, client.status.state]).toEqual(['free', 'network', 'ready']);
      source.fail(new NetworkError('offline'));
      const switched = client.identify({ userId: 'alice', attributes: { plan: 'pro' } }).catch((error: unknown) => error);
      await settle();
      // While alice's loads fail: never anon's 'free' as alice's value, and the status says what is served.
      const expected = bootstrap ? ['boot', 'bootstrap', 'stale'] : ['?', 'none', 'error'];
      expect([client.string('plan', '?'), client.status.source, client.status.state]).toEqual(expected);
      expect(client.status.error).toBeInstanceOf(NetworkError);
      source.recover();
      const refreshed = client.refresh();
      await settle(100);
      await refreshed;
      expect([client.string('plan', '?'), client.status.source, client.status.state]).toEqual(['pro', 'network', 'ready']);
      expect(await switched).toBeInstanceOf(NetworkError);
      expect(seen).toEqual(['free', bootstrap ? 'boot' : '?', 'pro']);
      client.close();
    }
  });

  it('a new context that differs only by a date is a new context: while its load fails, never the last one’s values', async () => {
    const yearFlag = { year: (ctx: EvalContext) => String((ctx.attributes?.signedUp as Date).getUTCFullYear()) };
    const source = testSource(yearFlag);
    const scheduler = new VirtualTimeScheduler(undefined, 0);
    const client = clientOn(source, scheduler as never, { context: { userId: 'u', attributes: { signedUp: new Date('2020-06-01') } }, circuitBreaker: false });
    const settle = settler(scheduler);
    void client.ready();
    await settle();
    expect([client.string('year', '?'), client.status.source]).toEqual(['2020', 'network']);
    source.fail(new NetworkError('offline'));
    const switched = client.identify({ userId: 'u', attributes: { signedUp: new Date('2024-06-01') } }).catch((error: unknown) => error);
    await settle();
    expect([client.string('year', '?'), client.status.source, client.status.state]).toEqual(['?', 'none', 'error']);
    expect(await switched).toBeInstanceOf(NetworkError);
    client.close();
  });

  it('a new context whose load fails stops serving the last context’s values at once, not only once a slow store answers', async () => {
    const source = testSource(planFlag);
    const scheduler = new VirtualTimeScheduler(undefined, 0);
    // A store that never answers (the client gives up on it after 5 s): it holds no record of alice.
    const store = { save: async (): Promise<void> => undefined, load: () => new Promise<undefined>(() => undefined) };
    const client = clientOn(source, scheduler as never, { ...asAnon, store, circuitBreaker: false });
    const flush = async (): Promise<void> => {
      scheduler.flush();
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
    };
    await client.ready();
    await flush();
    expect([client.string('plan', '?'), client.status.source, client.status.state]).toEqual(['free', 'network', 'ready']);
    source.fail(new NetworkError('offline'));
    const switched = await client.identify({ userId: 'alice', attributes: { plan: 'pro' } }).catch((error: unknown) => error);
    expect(switched).toBeInstanceOf(NetworkError);
    // identify() failed: anon's 'free' is not alice's value, whatever the store does meanwhile
    expect([client.string('plan', '?'), client.status.source, client.status.state]).toEqual(['?', 'none', 'error']);
    scheduler.maxFrames = 5_000;
    await flush();
    expect([client.string('plan', '?'), client.status.source, client.status.state]).toEqual(['?', 'none', 'error']);
    client.close();
  });

  it('an identify() that an auth error ends leaves nothing of the last context: its defaults, or the bootstrap, with the AuthError', async () => {
    for (const bootstrap of [undefined, { plan: 'boot' }]) {
      const source = testSource(planFlag);
      const client = clientOn(source, virtualTime(), { context: { userId: 'root', attributes: { plan: 'admin' } }, bootstrap });
      await client.ready();
      expect([client.string('plan', '?'), client.status.source, client.status.state]).toEqual(['admin', 'network', 'ready']);
      const states: string[] = [];
      client.status$.subscribe(({ state }) => void (states.at(-1) !== state && states.push(state)));
      source.fail(new AuthError(401));
      const switched = await client.identify({ userId: 'bob' }).catch((error: unknown) => error);
      expect(switched).toBeInstanceOf(AuthError);
      // The client stopped for good; bob's reads are not root's 'admin', and the status says what they are.
      expect([client.string('plan', '?'), client.status.source, client.status.state]).toEqual(bootstrap ? ['boot', 'bootstrap', 'error'] : ['?', 'none', 'error']);
      expect(client.status.error).toBeInstanceOf(AuthError);
      // straight to error: no passing `stale` on the way
      expect(states).toEqual(['ready', 'error']);
      client.close();
    }
  });

  it('an identify() that an auth error ends serves the new context’s stored record, also when the error comes while the store is still looking', async () => {
    const alice = { userId: 'alice', attributes: { plan: 'pro' } };
    // The 401 ends alice's first load, or the retry after a network failure whose store lookup is still on its way.
    for (const networkFirst of [false, true]) {
      const memory = memoryStore();
      await memory.save(record(alice, 'stored-pro'));
      let answer = (): void => undefined;
      const answered = new Promise<void>((resolve) => (answer = resolve));
      const store = { save: memory.save, load: (scope: string) => answered.then(() => memory.load(scope)) };
      const source = testSource(planFlag);
      const scheduler = new VirtualTimeScheduler(undefined, 0);
      const client = clientOn(source, scheduler as never, { ...asAnon, store, circuitBreaker: false });
      const settle = async (frames: number): Promise<void> => {
        scheduler.maxFrames += frames;
        scheduler.flush();
        for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
      };
      void client.ready();
      await settle(100);
      expect([client.string('plan', '?'), client.status.source, client.status.state]).toEqual(['free', 'network', 'ready']);
      if (networkFirst) source.fail(new NetworkError('offline'), 1);
      source.fail(new AuthError(401));
      const switched = client.identify(alice).catch((error: unknown) => error);
      await settle(2_000); // the retry (1 s) is refused, well before the store lookup times out (5 s)
      expect(client.status.error).toBeInstanceOf(AuthError);
      expect([client.string('plan', '?'), client.status.state]).toEqual(['?', 'error']);
      answer();
      await settle(0);
      expect(await switched).toBeInstanceOf(AuthError);
      expect([client.string('plan', '?'), client.status.source, client.status.state]).toEqual(['stored-pro', 'store', 'error']);
      expect(client.status.error).toBeInstanceOf(AuthError);
      client.close();
    }
  });

  it('an auth error keeps the values of the context they are for', async () => {
    const source = testSource(planFlag);
    const client = clientOn(source, virtualTime(), { context: { userId: 'root', attributes: { plan: 'admin' } } });
    await client.ready();
    source.fail(new AuthError(401));
    await expect(client.refresh()).rejects.toBeInstanceOf(AuthError);
    expect([client.string('plan', '?'), client.status.source, client.status.state]).toEqual(['admin', 'network', 'error']);
    client.close();
  });

  it('keeps its context apart from every object the caller holds, nested ones included: only identify() changes what it sends', async () => {
    const tierOf = (ctx: EvalContext): string => String((ctx.attributes?.org as { tier?: string } | undefined)?.tier);
    const source = testSource({ tier: tierOf });
    const ts = virtualTime();
    const org = { tier: 'free' };
    const client = clientOn(source, ts, { context: { userId: 'anon', attributes: { org } } });
    const step = async (promise: Promise<unknown>): Promise<string> => {
      ts.flush();
      await promise;
      return client.string('tier', '?');
    };
    expect(await step(client.ready())).toBe('free');
    org.tier = 'pro'; // the object given to createFlagClient
    expect(await step(client.refresh())).toBe('free');
    (client.context.attributes!.org as { tier: string }).tier = 'gold'; // the copy `context` hands out
    expect(await step(client.refresh())).toBe('free');
    const next = { userId: 'alice', attributes: { org: { tier: 'team' }, tags: [{ id: 1 }] } };
    expect(await step(client.identify(next))).toBe('team');
    next.attributes.org.tier = 'x'; // the object given to identify()
    next.attributes.tags[0]!.id = 2;
    expect(await step(client.refresh())).toBe('team');
    expect(client.context).toEqual({ userId: 'alice', attributes: { org: { tier: 'team' }, tags: [{ id: 1 }] } });
    client.close();
  });

  it('an identify() with a context equal to the current one shares nothing again (its load changed nothing); an unequal one with the same values is shared', async () => {
    const store = memoryStore();
    const saves = vi.spyOn(store, 'save');
    const published = vi.fn();
    // A fleet member that leads at once: it runs its engine and counts what it would share.
    const fleet = {
      attach: (client: Parameters<typeof fleetHost>[0]) => {
        const host = fleetHost(client);
        return { start: () => host.engine(true), changed: (flags?: unknown) => void (flags && published()), refresh() {}, snapshotFor: (_: EvalContext, load: () => Promise<never>) => load(), stopped() {}, close() {} };
      },
    };
    const scheduler = new VirtualTimeScheduler(undefined, 0);
    const client = clientOn(testSource(planFlag), scheduler as never, { ...asAnon, store, fleet });
    const settle = settler(scheduler);
    void client.ready();
    await settle();
    expect([published.mock.calls.length, saves.mock.calls.length, client.status.source]).toEqual([1, 1, 'network']);
    for (let i = 0; i < 3; i++) {
      const identified = client.identify({ userId: 'anon' });
      await settle();
      await identified;
    }
    expect([published.mock.calls.length, saves.mock.calls.length, client.string('plan', '?')]).toEqual([1, 1, 'free']);
    // Another context with the same values (dates told apart by their ISO text, as they are sent) is still shared.
    for (const signedUp of ['2020-01-01', '2024-01-01']) {
      const identified = client.identify({ userId: 'anon', attributes: { signedUp: new Date(signedUp) } });
      await settle();
      await identified;
    }
    expect([published.mock.calls.length, saves.mock.calls.length]).toEqual([3, 3]);
    client.close();
  });
});
