import { describe, expect, it } from 'vitest';
import { FlagSnapshot, NetworkError, createFlagClient, rollgate, type EvalResult, type FlagStore, type StoredFlags } from '../../../lib/index.js';
import { testSource } from '../../../lib/testing/index.js';
import { StoreError } from '../../../lib/errors.js';
import { StoreSync } from '../../../lib/client/features/persistence.js';
import { storeScope } from '../../../lib/client/features/store-scope.js';
import { memoryStore } from '../../../lib/stores/index.js';
import { captureLog } from '../../support/log-capture.js';
import { silent, virtualTime } from '../../support/virtual.js';
import * as errors from '../../../lib/errors.js';

const flag = (key: string, value: boolean, evaluatedAt = '2026-01-01T00:00:00.000Z'): EvalResult => ({
  key,
  enabled: true,
  variant: String(value),
  value,
  reason: 'rule_match',
  evaluatedAt,
  source: 'network',
});

const snapshot = (...results: EvalResult[]): FlagSnapshot => FlagSnapshot.from(results);

/** A memory store that records every call, and can be made to fail or hang. */
function recordingStore() {
  const inner = memoryStore();
  const saves: StoredFlags[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const control = {
    saves,
    get maxInFlight() {
      return maxInFlight;
    },
    failSave: undefined as Error | undefined,
    hold: undefined as Promise<void> | undefined,
    store: {
      async save(data) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          await control.hold;
          if (control.failSave) throw control.failSave;
          saves.push(data);
          await inner.save(data);
        } finally {
          inFlight--;
        }
      },
      load: (scope) => inner.load(scope),
    } satisfies FlagStore,
  };
  return control;
}

/** Lets pending promise reactions (the store's writes) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup(store: FlagStore, debounceMs = 1_000) {
  const scheduler = virtualTime();
  const log = captureLog();
  const reports: StoreError[] = [];
  const sync = new StoreSync(store, scheduler, log.logger, (error) => reports.push(error), errors, { debounceMs });
  const advanceTo = (frame: number): void => {
    scheduler.maxFrames = frame;
    scheduler.flush();
  };
  return { sync, scheduler, log, reports, advanceTo };
}

const SCOPE = storeScope('test', { userId: 'u1' });

describe('storeScope()', () => {
  it('is the same for equal contexts whatever the attribute order, at every depth', () => {
    const a = storeScope('id', { userId: 'u', email: 'e@x', attributes: { plan: 'pro', geo: { country: 'fr', city: 'Lyon' } } });
    const b = storeScope('id', { attributes: { geo: { city: 'Lyon', country: 'fr' }, plan: 'pro' }, email: 'e@x', userId: 'u' });
    expect(a).toBe(b);
  });

  it('differs when the identity, user, e-mail or any attribute differs', () => {
    const base = storeScope('id', { userId: 'u', email: 'e', attributes: { plan: 'pro' } });
    expect(storeScope('other', { userId: 'u', email: 'e', attributes: { plan: 'pro' } })).not.toBe(base);
    expect(storeScope('id', { userId: 'v', email: 'e', attributes: { plan: 'pro' } })).not.toBe(base);
    expect(storeScope('id', { userId: 'u', email: 'f', attributes: { plan: 'pro' } })).not.toBe(base);
    expect(storeScope('id', { userId: 'u', email: 'e', attributes: { plan: 'free' } })).not.toBe(base);
    expect(storeScope('id', { userId: 'u', email: 'e', attributes: { plan: 'pro', x: 1 } })).not.toBe(base);
  });

  it('treats an absent user id as anonymous, and never throws on odd attributes', () => {
    expect(storeScope('id', {})).toBe(storeScope('id', { userId: '', attributes: {} }));
    const cyclic: Record<string, unknown> = { n: 10n };
    cyclic.self = cyclic;
    expect(() => storeScope('id', { attributes: cyclic })).not.toThrow();
  });

  it('keys the context as the client copies it: a toJSON() value as what it returns (the scope the client saves under)', async () => {
    const since = new (class Day {
      toJSON = () => '2024-05-01';
    })();
    expect(storeScope('id', { attributes: { since } })).toBe(storeScope('id', { attributes: { since: '2024-05-01' } }));

    // A record saved under the app's context object is the one the client restores for it.
    const store = memoryStore();
    const raw = { userId: 'u1', attributes: { since } };
    await store.save({ version: 1, scope: storeScope('test', raw), savedAt: '2026-01-01T00:00:00.000Z', flags: [flag('a', true)] });
    const source = testSource({ a: false });
    source.fail(new NetworkError('offline'));
    const client = createFlagClient({ transport: source, context: raw, store, pollIntervalMs: 0, streaming: false, logger: silent });
    expect(await client.ready()).toMatchObject({ ok: true, source: 'store' });
    expect(client.evaluate('a')).toMatchObject({ value: true, source: 'store' });
    client.close();
  });
});

describe('StoreSync.restore()', () => {
  it('gives the stored results of its own scope as cached store values', async () => {
    const store = memoryStore();
    await store.save({ version: 1, scope: SCOPE, savedAt: '2026-01-01T00:00:00.000Z', flags: [flag('a', true)] });
    const { sync } = setup(store);
    expect(await sync.restore(SCOPE)).toEqual([{ ...flag('a', true), reason: 'cached', source: 'store' }]);
  });

  it('never restores a record whose scope differs, even when the store hands one back', async () => {
    const other = storeScope('test', { userId: 'someone-else' });
    const wrong: StoredFlags = { version: 1, scope: other, savedAt: 'x', flags: [flag('a', true)] };
    const { sync, log } = setup({ save: async () => undefined, load: async () => wrong });
    expect(await sync.restore(SCOPE)).toBeUndefined();
    expect(log.lines.join('\n')).toMatch(/another client scope/);
  });

  it.each([
    ['a newer version', { version: 2, scope: SCOPE, savedAt: 'x', flags: [flag('a', true)] }],
    ['flags that are not a list', { version: 1, scope: SCOPE, savedAt: 'x', flags: { a: true } }],
    ['no valid flag', { version: 1, scope: SCOPE, savedAt: 'x', flags: [{ key: 1 }, null, 'a'] }],
    ['a string', 'garbage'],
  ])('ignores a record with %s', async (_, record) => {
    const { sync, reports } = setup({ save: async () => undefined, load: async () => record as StoredFlags });
    expect(await sync.restore(SCOPE)).toBeUndefined();
    expect(reports).toEqual([]);
  });

  it('keeps the valid flags of a record and drops the malformed ones, without prototype pollution', async () => {
    const record = JSON.parse(
      `{"version":1,"scope":${JSON.stringify(SCOPE)},"savedAt":"x","flags":[{"key":"__proto__","enabled":true,"variant":"true","value":{"polluted":true}},{"key":"b","enabled":"yes"}]}`,
    ) as StoredFlags;
    const { sync } = setup({ save: async () => undefined, load: async () => record });
    const results = await sync.restore(SCOPE);
    expect(results?.map((r) => r.key)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(FlagSnapshot.from(results!).get('__proto__')?.value).toEqual({ polluted: true });
  });

  it('a load still pending after timeoutMs gives undefined and is reported', async () => {
    const { sync, advanceTo, reports } = setup({ save: async () => undefined, load: () => new Promise(() => undefined) });
    let result: unknown = 'pending';
    void sync.restore(SCOPE).then((value) => (result = value));
    advanceTo(4_999);
    await settle();
    expect(result).toBe('pending');
    advanceTo(5_000);
    await settle();
    expect(result).toBeUndefined();
    expect(reports[0]).toMatchObject({ operation: 'load', message: 'flag store load failed: timed out after 5000 ms' });
  });

  it('a store that rejects or throws is logged and reported as a load StoreError; restore never rejects', async () => {
    for (const load of [async () => Promise.reject(new Error('disk on fire')), () => { throw new Error('sync boom'); }]) {
      const { sync, reports, log } = setup({ save: async () => undefined, load } as unknown as FlagStore);
      await expect(sync.restore(SCOPE)).resolves.toBeUndefined();
      expect(reports).toHaveLength(1);
      expect(reports[0]).toBeInstanceOf(StoreError);
      expect(reports[0]!.operation).toBe('load');
      expect(log.lines).toHaveLength(1);
    }
  });
});

describe('StoreSync.saveIfChanged()', () => {
  it('saves once per debounce window, the latest snapshot winning, and returns at once', async () => {
    const rec = recordingStore();
    const { sync, advanceTo } = setup(rec.store);
    sync.saveIfChanged(SCOPE, snapshot(flag('a', true)));
    advanceTo(500);
    sync.saveIfChanged(SCOPE, snapshot(flag('a', false)));
    advanceTo(999);
    await settle();
    expect(rec.saves).toHaveLength(0);
    advanceTo(1_000);
    await settle();
    expect(rec.saves).toHaveLength(1);
    expect(rec.saves[0]).toMatchObject({ version: 1, scope: SCOPE, savedAt: new Date(1_000).toISOString() });
    expect(rec.saves[0]!.flags.map((f) => f.value)).toEqual([false]);
  });

  it('does not save a snapshot whose flags equal the last save (only evaluation times differ)', async () => {
    const rec = recordingStore();
    const { sync, advanceTo } = setup(rec.store);
    sync.saveIfChanged(SCOPE, snapshot(flag('a', true, 't1')));
    advanceTo(1_000);
    await settle();
    sync.saveIfChanged(SCOPE, snapshot(flag('a', true, 't2')));
    advanceTo(2_000);
    await settle();
    expect(rec.saves).toHaveLength(1);
    sync.saveIfChanged(SCOPE, snapshot(flag('a', false, 't3')));
    advanceTo(3_000);
    await settle();
    expect(rec.saves).toHaveLength(2);
  });

  it('keeps the pending save of each scope (a context switch inside the window loses nothing)', async () => {
    const rec = recordingStore();
    const { sync, advanceTo } = setup(rec.store);
    const other = storeScope('test', { userId: 'u2' });
    sync.saveIfChanged(SCOPE, snapshot(flag('a', true)));
    sync.saveIfChanged(other, snapshot(flag('a', false)));
    advanceTo(1_000);
    await settle();
    expect(rec.saves.map((s) => s.scope).sort()).toEqual([SCOPE, other].sort());
  });

  it('a failing save is logged and reported, never thrown; the next change saves again', async () => {
    const rec = recordingStore();
    rec.failSave = new Error('disk full');
    const { sync, advanceTo, reports, log } = setup(rec.store);
    sync.saveIfChanged(SCOPE, snapshot(flag('a', true)));
    advanceTo(1_000);
    await settle();
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ operation: 'save', quota: false });
    expect(log.lines.join('\n')).toMatch(/save failed: disk full/);
    rec.failSave = undefined;
    sync.saveIfChanged(SCOPE, snapshot(flag('a', true)));
    advanceTo(2_000);
    await settle();
    expect(rec.saves).toHaveLength(1);
  });

  it('a quota StoreError from the store is reported with quota set', async () => {
    const { sync, advanceTo, reports } = setup({
      save: async () => Promise.reject(new StoreError('save', 'full', { quota: true })),
      load: async () => undefined,
    });
    sync.saveIfChanged(SCOPE, snapshot(flag('a', true)));
    advanceTo(1_000);
    await settle();
    expect(reports[0]).toMatchObject({ operation: 'save', quota: true });
  });

  it('a report callback that throws is logged, not propagated', async () => {
    const log = captureLog();
    const scheduler = virtualTime();
    const sync = new StoreSync({ save: async () => Promise.reject(new Error('x')), load: async () => undefined }, scheduler, log.logger, () => {
      throw new Error('listener broke');
    }, errors);
    sync.saveIfChanged(SCOPE, snapshot(flag('a', true)));
    scheduler.maxFrames = 1_000;
    scheduler.flush();
    await settle();
    expect(log.lines.join('\n')).toMatch(/report failed: listener broke/);
  });

  it('writes one at a time: a hung store never blocks the caller, and later saves wait their turn', async () => {
    const rec = recordingStore();
    let release!: () => void;
    rec.hold = new Promise<void>((resolve) => (release = resolve));
    const { sync, advanceTo } = setup(rec.store);
    sync.saveIfChanged(SCOPE, snapshot(flag('a', true)));
    advanceTo(1_000);
    sync.saveIfChanged(SCOPE, snapshot(flag('a', false)));
    advanceTo(2_000);
    sync.saveIfChanged(SCOPE, snapshot(flag('b', false)));
    advanceTo(3_000);
    await settle();
    expect(rec.saves).toHaveLength(0);
    release();
    await settle();
    await settle();
    expect(rec.saves.map((s) => s.flags[0]!.key)).toEqual(['a', 'a', 'b']);
    expect(rec.maxInFlight).toBe(1);
  });

  it('a save still pending after timeoutMs is reported as failed and the next save goes ahead', async () => {
    const rec = recordingStore();
    rec.hold = new Promise<void>(() => undefined);
    const { sync, advanceTo, reports } = setup(rec.store);
    sync.saveIfChanged(SCOPE, snapshot(flag('a', true)));
    advanceTo(5_999);
    await settle();
    expect(reports).toEqual([]);
    advanceTo(6_000);
    await settle();
    expect(reports).toHaveLength(1);
    expect(reports[0]!.message).toMatch(/save failed: timed out after 5000 ms/);
    rec.hold = undefined;
    sync.saveIfChanged(SCOPE, snapshot(flag('a', false)));
    advanceTo(7_000);
    await settle();
    expect(rec.saves.map((s) => s.flags[0]!.value)).toEqual([false]);
  });

  it('after a save that timed out, the flags saved before it are written again: the late write does not stay the record', async () => {
    const rec = recordingStore();
    const { sync, advanceTo } = setup(rec.store);
    sync.saveIfChanged(SCOPE, snapshot(flag('a', true)));
    advanceTo(1_000);
    await settle();
    let land!: () => void;
    rec.hold = new Promise<void>((resolve) => (land = resolve));
    sync.saveIfChanged(SCOPE, snapshot(flag('a', false))); // its write hangs past the timeout…
    advanceTo(7_000);
    await settle();
    sync.saveIfChanged(SCOPE, snapshot(flag('a', true))); // …the flags go back to the saved ones…
    land(); // …and the hung write lands (a Redis client's offline queue), before the next one
    rec.hold = undefined;
    advanceTo(8_000);
    await settle();
    await settle();
    expect(rec.saves.map((s) => s.flags[0]!.value)).toEqual([true, false, true]);
    expect((await rec.store.load(SCOPE))?.flags[0]?.value).toBe(true);
  });

  it('close() writes a save still in its debounce window, then ignores later calls', async () => {
    const rec = recordingStore();
    const { sync, advanceTo, scheduler } = setup(rec.store);
    sync.saveIfChanged(SCOPE, snapshot(flag('a', true)));
    await sync.close();
    expect(rec.saves).toHaveLength(1);
    sync.saveIfChanged(SCOPE, snapshot(flag('a', false)));
    advanceTo(10_000);
    await settle();
    expect(rec.saves).toHaveLength(1);
    expect(await sync.restore(SCOPE)).toBeUndefined();
    expect(scheduler.actions).toHaveLength(0);
  });

  it('the API key never appears in a saved record', async () => {
    const apiKey = 'rg_server_do_not_persist_me_0123456789';
    const transport = rollgate({ baseUrl: 'http://127.0.0.1:1', apiKey });
    const rec = recordingStore();
    const { sync } = setup(rec.store);
    const scope = storeScope(transport.identity!, { userId: 'u1', attributes: { plan: 'pro' } });
    sync.saveIfChanged(scope, snapshot(flag('a', true)));
    await sync.close();
    expect(rec.saves).toHaveLength(1);
    expect(JSON.stringify(rec.saves)).not.toContain(apiKey);
    expect(JSON.stringify(rec.saves)).not.toContain('do_not_persist');
  });
});

describe('what the client saves per context', () => {
  it('a context whose first network values equal the last context’s is saved too: a cold start restores them, not an older record', async () => {
    const store = memoryStore();
    const alice = { userId: 'alice' };
    const older = flag('a', false, '2025-01-01T00:00:00.000Z');
    await store.save({ version: 1, scope: storeScope('test', alice), savedAt: '2025-01-01T00:00:00.000Z', flags: [older] });
    const source = testSource({ a: true }); // the same for every context
    const ticks = async (): Promise<void> => {
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
    };
    const first = createFlagClient({ transport: source, context: { userId: 'anon' }, store, streaming: false, pollIntervalMs: 0, logger: silent });
    await first.ready();
    await first.identify(alice);
    expect([first.bool('a', false), first.status.source]).toEqual([true, 'network']);
    first.close(); // writes what is pending
    await ticks();
    source.fail(new NetworkError('offline'));
    const next = createFlagClient({ transport: source, context: alice, store, streaming: false, pollIntervalMs: 0, logger: silent, circuitBreaker: false });
    expect(await next.ready({ timeoutMs: 1_000 })).toMatchObject({ source: 'store' });
    expect([next.bool('a', false), next.status.source, next.status.state]).toEqual([true, 'store', 'stale']);
    next.close();
  });
});
