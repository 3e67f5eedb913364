import { expect, it } from 'vitest';
import type { FlagStore } from '../../lib/index.js';
import { flag, record } from './records.js';

/**
 * What every `FlagStore` promises, run against a fresh store from `make()` in each case (inside a
 * `describe` of the caller, which opens and closes whatever the store needs).
 */
export function storeContract(make: () => FlagStore | Promise<FlagStore>): void {
  it('has nothing for a scope never saved', async () => {
    const store = await make();
    expect(await store.load(record('nobody').scope)).toBeUndefined();
  });

  it('gives back the record saved for a scope, equal in every field', async () => {
    const store = await make();
    const saved = record('u1', [flag('dark-mode', true), flag('banner', 'holiday'), flag('limits', { max: 10, tags: ['a'] })]);
    await store.save(saved);
    expect(await store.load(saved.scope)).toEqual(saved);
  });

  it('keeps scopes apart: user A never gets user B’s record', async () => {
    const store = await make();
    const a = record('user-a', [flag('dark-mode', true)]);
    const b = record('user-b', [flag('dark-mode', false)]);
    await store.save(a);
    await store.save(b);
    expect(await store.load(a.scope)).toEqual(a);
    expect(await store.load(b.scope)).toEqual(b);
    expect(await store.load(record('user-c').scope)).toBeUndefined();
  });

  it('a later save of a scope replaces the earlier one', async () => {
    const store = await make();
    await store.save(record('u1', [flag('dark-mode', true)], '2026-01-01T00:00:00.000Z'));
    const newer = record('u1', [flag('dark-mode', false)], '2026-01-02T00:00:00.000Z');
    await store.save(newer);
    expect(await store.load(newer.scope)).toEqual(newer);
  });

  it('keeps its own copy: changing a record after save or after load changes nothing stored', async () => {
    const store = await make();
    const saved = record('u1', [flag('dark-mode', true)]);
    await store.save(saved);
    saved.flags[0]!.value = false;
    const loaded = (await store.load(saved.scope))!;
    expect(loaded.flags[0]!.value).toBe(true);
    loaded.flags.length = 0;
    expect((await store.load(saved.scope))!.flags).toHaveLength(1);
  });

  it('stores `__proto__` and `constructor` keys as plain data, polluting nothing', async () => {
    const store = await make();
    const value = JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}');
    const saved = record('u1', [flag('__proto__', value), flag('constructor', 1)]);
    await store.save(saved);
    const loaded = (await store.load(saved.scope))!;
    expect(loaded.flags.map((f) => f.key)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(loaded.flags[0]!.value, '__proto__')).toBe(true);
  });

  it('many concurrent saves of different scopes all land', async () => {
    const store = await make();
    const records = Array.from({ length: 10 }, (_, i) => record(`user-${i}`, [flag('n', i)]));
    await Promise.all(records.map((r) => store.save(r)));
    for (const r of records) expect(await store.load(r.scope)).toEqual(r);
  });
}
