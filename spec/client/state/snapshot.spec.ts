import { describe, expect, it } from 'vitest';
import { FlagSnapshot, diffSnapshots, nextSnapshot, sameResult } from '../../../lib/client/state/snapshot.js';
import type { EvalResult, JsonValue } from '../../../lib/types.js';

const result = (key: string, patch: Partial<EvalResult> = {}): EvalResult => ({
  key,
  enabled: true,
  variant: 'true',
  value: true,
  reason: 'default',
  evaluatedAt: '2026-01-01T00:00:00Z',
  source: 'network',
  ...patch,
});

describe('FlagSnapshot', () => {
  const snapshot = FlagSnapshot.from([
    result('on'),
    result('banner', { variant: 'holiday', value: 'holiday' }),
    result('limit', { variant: '25', value: 25 }),
    result('layout', { variant: '{"cols":3}', value: { cols: 3 } }),
    result('code-default', { variant: 'x', value: undefined }),
  ]);

  it('reads typed values and falls back on missing keys and wrong types', () => {
    expect(snapshot.bool('on')).toBe(true);
    expect(snapshot.bool('missing')).toBe(false);
    expect(snapshot.bool('banner', true)).toBe(true);
    expect(snapshot.string('banner', 'd')).toBe('holiday');
    expect(snapshot.string('limit', 'd')).toBe('d');
    expect(snapshot.number('limit', 1)).toBe(25);
    expect(snapshot.json('layout', {})).toEqual({ cols: 3 });
    expect(snapshot.json('code-default', 'fallback')).toBe('fallback');
  });

  it('is immutable', () => {
    expect(() => {
      (snapshot.get('on') as { value: unknown }).value = false;
    }).toThrow(TypeError);
    expect(snapshot.bool('on')).toBe(true);
  });

  it('serializes as SnapshotJSON, and cannot be polluted through __proto__ keys', () => {
    const polluted = FlagSnapshot.from([result('__proto__', { variant: 'x', value: { admin: true } }), result('on')]);
    const json = JSON.parse(JSON.stringify(polluted)) as { $flagstream: number; flags: Record<string, { value: unknown }> };
    expect(json.$flagstream).toBe(1);
    expect(json.flags.on!.value).toBe(true);
    expect(polluted.toValues().on).toBe(true);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(polluted.json('__proto__', null)).toEqual({ admin: true });
  });

  it('writes each flag without its key and source, and a flag without a value without one', () => {
    const withDetails = FlagSnapshot.from([result('d', { errorCode: 'GENERAL', details: { ruleId: 'r1' } })]);
    const flags = (JSON.parse(JSON.stringify([snapshot, withDetails])) as Array<{ flags: Record<string, object> }>).map((json) => json.flags);
    expect(flags[0]!['code-default']).toStrictEqual({ enabled: true, variant: 'x', reason: 'default', evaluatedAt: '2026-01-01T00:00:00Z' });
    expect(flags[1]!.d).toStrictEqual({ enabled: true, variant: 'true', value: true, reason: 'default', evaluatedAt: '2026-01-01T00:00:00Z', details: { ruleId: 'r1' }, errorCode: 'GENERAL' });
  });

  it('writes only a flag\'s own fields, whatever else a result handed in frozen carries (rendered into pages)', () => {
    const extra = Object.freeze({ ...result('x'), internalRule: 'email endsWith @corp.example' });
    const json = JSON.stringify(FlagSnapshot.from([extra]));
    expect(json).not.toContain('internalRule');
    expect(Object.keys((JSON.parse(json) as { flags: Record<string, object> }).flags.x!).sort()).toEqual(['enabled', 'evaluatedAt', 'reason', 'value', 'variant']);
  });
});

describe('diffSnapshots', () => {
  it('reports changed, added and removed keys; ignores evaluation time and source', () => {
    const before = FlagSnapshot.from([result('a'), result('b'), result('c')]);
    const after = FlagSnapshot.from([
      result('a', { evaluatedAt: '2027-01-01T00:00:00Z', source: 'store' }),
      result('b', { variant: 'false', value: false }),
      result('d'),
    ]);
    const changes = diffSnapshots(before, after);
    expect(changes.map((c) => [c.key, c.previous?.value, c.current?.value])).toEqual([
      ['b', true, false],
      ['d', undefined, true],
      ['c', true, undefined],
    ]);
  });

  it('compares JSON values structurally', () => {
    expect(sameResult(result('j', { value: { a: [1, 2] } }), result('j', { value: { a: [1, 2] } }))).toBe(true);
    expect(sameResult(result('j', { value: { a: [1, 2] } }), result('j', { value: { a: [2, 1] } }))).toBe(false);
    expect(sameResult(result('j', { reason: 'default' }), result('j', { reason: 'rule_match' }))).toBe(false);
  });
});

describe('nextSnapshot', () => {
  const base = [result('a'), result('b', { variant: 'x', value: { cols: 3 } }), result('c', { value: false, variant: 'false' })];

  it('keeps the previous frozen entry for an unchanged key and reports only the changed ones', () => {
    const previous = FlagSnapshot.from(base);
    const incoming = [result('a', { evaluatedAt: 'later' }), result('b', { variant: 'x', value: { cols: 3 } }), result('c', { value: true })];
    const { snapshot, changes } = nextSnapshot(previous, incoming);
    expect(snapshot.get('a')).toBe(previous.get('a'));
    expect(snapshot.get('b')).toBe(previous.get('b'));
    expect(snapshot.get('c')).not.toBe(previous.get('c'));
    expect(Object.isFrozen(snapshot.get('c'))).toBe(true);
    expect(changes).toEqual([{ key: 'c', previous: previous.get('c'), current: snapshot.get('c') }]);
    expect(snapshot.keys()).toEqual(['a', 'b', 'c']);
  });

  it('returns the previous snapshot itself when nothing differs', () => {
    const previous = FlagSnapshot.from(base);
    const update = nextSnapshot(previous, base.map((r) => ({ ...r, evaluatedAt: 'later' })));
    expect(update.snapshot).toBe(previous);
    expect(update.changes).toEqual([]);
    expect(nextSnapshot(previous, [...base].reverse()).snapshot.keys()).toEqual(['c', 'b', 'a']);
  });

  it('takes a new source without reporting a change (bootstrap → network)', () => {
    const previous = FlagSnapshot.from([result('a', { source: 'bootstrap' })]);
    const { snapshot, changes } = nextSnapshot(previous, [result('a')]);
    expect(changes).toEqual([]);
    expect(snapshot.get('a')?.source).toBe('network');
  });

  it('reports additions in order, then removals', () => {
    const previous = FlagSnapshot.from(base);
    const { snapshot, changes } = nextSnapshot(previous, [result('d'), result('a')]);
    expect(snapshot.keys()).toEqual(['d', 'a']);
    expect(changes.map((c) => [c.key, c.previous?.key, c.current?.key])).toEqual([
      ['d', undefined, 'd'],
      ['b', 'b', undefined],
      ['c', 'c', undefined],
    ]);
  });

  it('holds the previous entry of keys in `keep` (their new entry was invalid), marked `stale`', () => {
    const previous = FlagSnapshot.from(base);
    const { snapshot, changes } = nextSnapshot(previous, [result('a', { value: false, variant: 'false' })], new Set(['b', 'missing']));
    expect(snapshot.get('b')).toEqual({ ...previous.get('b'), reason: 'stale' });
    expect(Object.isFrozen(snapshot.get('b'))).toBe(true);
    expect(snapshot.get('b')?.value).toBe(previous.get('b')?.value);
    expect(snapshot.has('missing')).toBe(false);
    expect(changes.map((c) => [c.key, c.previous?.reason, c.current?.reason])).toEqual([
      ['a', 'default', 'default'],
      ['b', 'default', 'stale'],
      ['c', 'default', undefined],
    ]);
  });

  it('holds a kept key in place when the other keys come in the same order', () => {
    const previous = FlagSnapshot.from(base);
    const { snapshot, changes } = nextSnapshot(previous, [result('a'), result('c', { value: true })], new Set(['b']));
    expect(snapshot.keys()).toEqual(['a', 'b', 'c']);
    expect(snapshot.get('b')).toEqual({ ...previous.get('b'), reason: 'stale' });
    expect(changes.map((c) => [c.key, c.current?.reason, c.current?.value])).toEqual([
      ['b', 'stale', { cols: 3 }],
      ['c', 'default', true],
    ]);
    expect(previous.bool('c', true)).toBe(false);
  });

  it.each([
    ['the same keys', (held: FlagSnapshot) => [result('a'), held.get('c')!]],
    ['other keys', (held: FlagSnapshot) => [result('d'), result('a'), held.get('c')!]],
  ])('a key held again (%s) keeps its held entry, without a change; an accepted entry replaces it', (_, rest) => {
    const held = nextSnapshot(FlagSnapshot.from(base), [result('a'), result('c', { value: false, variant: 'false' })], new Set(['b'])).snapshot;
    const again = nextSnapshot(held, rest(held), new Set(['b']));
    expect(again.snapshot.get('b')).toBe(held.get('b'));
    expect(again.changes.map((c) => c.key)).not.toContain('b');
    const accepted = nextSnapshot(again.snapshot, [result('a'), result('b', { variant: 'x', value: { cols: 3 }, reason: 'rule_match' }), result('c', { value: false, variant: 'false' })]);
    expect(accepted.snapshot.get('b')?.reason).toBe('rule_match');
    expect(accepted.changes.filter((c) => c.key === 'b').map((c) => [c.previous?.reason, c.current?.reason])).toEqual([['stale', 'rule_match']]);
  });

  it('a later duplicate key wins, and the changes say so', () => {
    const previous = FlagSnapshot.from(base);
    const { snapshot, changes } = nextSnapshot(previous, [result('a', { value: false, variant: 'false' }), result('b', { variant: 'x', value: { cols: 3 } }), result('c', { value: false, variant: 'false' }), result('a')]);
    expect(snapshot.bool('a')).toBe(true);
    expect(changes).toEqual([]);
  });

  it('agrees with diffSnapshots on random updates, duplicate keys included', () => {
    const values = [true, false, 'x', 1, { n: 1 }, { n: 2 }, [1, 2]];
    let seed = 7;
    const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    let previous = FlagSnapshot.empty;
    for (let round = 0; round < 200; round += 1) {
      const incoming: EvalResult[] = [];
      for (let k = 0; k < 12; k += 1) {
        if (random(4) === 0) continue;
        const value = values[random(values.length)]!;
        incoming.push(result(`k${k}`, { value, variant: JSON.stringify(value), reason: random(3) === 0 ? 'rule_match' : 'default' }));
      }
      const duplicate = random(4) === 0;
      if (duplicate) {
        const value = values[random(values.length)]!;
        incoming.push(result(`k${random(12)}`, { value, variant: JSON.stringify(value) }));
      }
      const { snapshot, changes } = nextSnapshot(previous, incoming);
      const expected = diffSnapshots(previous, FlagSnapshot.from(incoming));
      if (duplicate) expect(new Set(changes.map((c) => c.key))).toEqual(new Set(expected.map((c) => c.key)));
      else expect(changes).toEqual(expected);
      expect(changes.map((c) => c.current?.value)).toEqual(changes.map((c) => snapshot.get(c.key)?.value));
      expect(snapshot.toValues()).toEqual(FlagSnapshot.from(incoming).toValues());
      previous = snapshot;
    }
  });
});

describe('immutable entries', () => {
  it('copies values and details when they enter, and freezes them deep', () => {
    const value = { cols: 3, nested: { on: [1, 2] } };
    const details = { ruleId: 'r1', meta: { team: 'a' } };
    const snapshot = FlagSnapshot.from([result('layout', { variant: 'x', value, details })]);
    value.nested.on.push(3);
    details.meta.team = 'b';
    expect(snapshot.json('layout', null)).toEqual({ cols: 3, nested: { on: [1, 2] } });
    expect(snapshot.get('layout')?.details).toEqual({ ruleId: 'r1', meta: { team: 'a' } });
    const got = snapshot.json<{ nested: { on: number[] } }>('layout', { nested: { on: [] } });
    expect(() => got.nested.on.push(4)).toThrow(TypeError);
    expect(Object.isFrozen(snapshot.get('layout')!.details!.meta)).toBe(true);
  });

  it('keeps an own "__proto__" key of a value as data', () => {
    const value = JSON.parse('{"__proto__": {"admin": true}, "a": 1}') as JsonValue;
    const snapshot = FlagSnapshot.from([result('v', { variant: 'x', value })]);
    const got = snapshot.json<Record<string, unknown>>('v', {});
    expect(Object.keys(got)).toEqual(['__proto__', 'a']);
    expect((got as { admin?: boolean }).admin).toBeUndefined();
  });

  it('holds a sealed result as is, copies a frozen one whose value is not sealed, and drops empty details', () => {
    const sealed = FlagSnapshot.from([result('a', { details: { ruleId: 'r1' } })]).get('a')!;
    expect(FlagSnapshot.from([sealed]).get('a')).toBe(sealed);
    const foreign = Object.freeze(result('b', { variant: 'x', value: { cols: [1] } }));
    const held = FlagSnapshot.from([foreign]).get('b')!;
    expect(held).not.toBe(foreign);
    expect(Object.isFrozen((held.value as { cols: number[] }).cols)).toBe(true);
    const empty = FlagSnapshot.from([result('c', { details: {} }), result('d', { variant: 'x', value: [] }), result('e', { variant: 'y', value: [] })]);
    expect(empty.get('c')).not.toHaveProperty('details');
    expect(empty.get('d')!.value).toBe(empty.get('e')!.value);
    expect(Object.isFrozen(empty.get('d')!.value)).toBe(true);
  });

  it('shares small equal details between results (one frozen object), still frozen and equal', () => {
    const snapshot = FlagSnapshot.from([result('a', { details: { type: 'bool' } }), result('b', { details: { type: 'bool' } }), result('c', { details: { type: 'json' } })]);
    expect(snapshot.get('a')!.details).toBe(snapshot.get('b')!.details);
    expect(snapshot.get('c')!.details).toEqual({ type: 'json' });
    expect(Object.isFrozen(snapshot.get('a')!.details)).toBe(true);
  });
});

describe('unchanged JSON values across loads', () => {
  const value = { limit: 5, tags: ['a', 'b'], rules: { match: [{ attr: 'country', in: ['de', 'fr'] }] } };
  const details = { ruleId: 'r1', meta: { team: 'a' } };
  /** The flag as a decoder hands it over on every load: fresh objects, equal content. */
  const decoded = (patch: Partial<EvalResult> = {}): EvalResult =>
    result('layout', { variant: 'wide', value: JSON.parse(JSON.stringify(value)) as JsonValue, details: JSON.parse(JSON.stringify(details)) as Record<string, JsonValue>, ...patch });

  it('keeps the frozen value object when a load decodes the same value again', () => {
    const first = FlagSnapshot.from([decoded(), result('on')]);
    const kept = first.json('layout', null);
    const { snapshot, changes } = nextSnapshot(first, [decoded({ evaluatedAt: 'later' }), result('on')]);
    expect(changes).toEqual([]);
    expect(snapshot.json('layout', null)).toBe(kept);
    expect(Object.isFrozen(kept)).toBe(true);
  });

  it('keeps the value and details objects when only the reason changes, and reports the change', () => {
    const first = FlagSnapshot.from([decoded(), result('on')]);
    const { snapshot, changes } = nextSnapshot(first, [decoded({ reason: 'rule_match' }), result('on')]);
    expect(changes.map((c) => c.key)).toEqual(['layout']);
    expect(snapshot.get('layout')).not.toBe(first.get('layout'));
    expect(snapshot.get('layout')!.reason).toBe('rule_match');
    expect(snapshot.get('layout')!.value).toBe(first.get('layout')!.value);
    expect(snapshot.get('layout')!.details).toBe(first.get('layout')!.details);
    expect(Object.isFrozen(snapshot.get('layout'))).toBe(true);
  });

  it('keeps them when the key set changes too (a flag added in front)', () => {
    const first = FlagSnapshot.from([decoded()]);
    const { snapshot, changes } = nextSnapshot(first, [result('new'), decoded({ source: 'store', reason: 'cached' })]);
    expect(changes.map((c) => c.key)).toEqual(['new', 'layout']);
    expect(snapshot.get('layout')!.value).toBe(first.get('layout')!.value);
    expect(snapshot.get('layout')!.details).toBe(first.get('layout')!.details);
  });

  it('sees a changed nested field: a new deep-frozen value, the old snapshot untouched', () => {
    const first = FlagSnapshot.from([decoded()]);
    const changed = JSON.parse(JSON.stringify(value)) as typeof value;
    changed.rules.match[0]!.in[1] = 'it';
    const { snapshot, changes } = nextSnapshot(first, [decoded({ value: changed })]);
    expect(changes.map((c) => c.key)).toEqual(['layout']);
    const now = snapshot.json<typeof value>('layout', value);
    expect(now).not.toBe(first.json('layout', null));
    expect(now.rules.match[0]!.in).toEqual(['de', 'it']);
    expect(Object.isFrozen(now.rules.match[0]!.in)).toBe(true);
    expect(Object.isFrozen(now.rules.match[0])).toBe(true);
    expect(first.json<typeof value>('layout', value).rules.match[0]!.in).toEqual(['de', 'fr']);
    // The caller's object stays the caller's: not frozen, not adopted.
    expect(Object.isFrozen(changed)).toBe(false);
  });

  it('still rejects values that are not JSON and writes holes as null', () => {
    const withUndefined = FlagSnapshot.from([result('u', { variant: 'x', value: { a: undefined } as unknown as JsonValue })]);
    expect(withUndefined.get('u')!.value).toBeUndefined();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(FlagSnapshot.from([result('c', { variant: 'x', value: cyclic as JsonValue })]).get('c')!.value).toBeUndefined();
    // eslint-disable-next-line no-sparse-arrays
    const holes = FlagSnapshot.from([result('h', { variant: 'x', value: [1, , 3] as JsonValue })]);
    expect(holes.json('h', null)).toEqual([1, null, 3]);
  });
});

describe('empty details', () => {
  it('are the same as none: a reload with `{}` details (OFREP without metadata) keeps the entries and the snapshot', () => {
    const decoded = (): EvalResult[] => [result('a', { details: Object.create(null) as Record<string, JsonValue> }), result('b', { details: {} })];
    const first = FlagSnapshot.from(decoded());
    expect(first.get('a')).not.toHaveProperty('details');
    const { snapshot, changes } = nextSnapshot(first, decoded());
    expect(changes).toEqual([]);
    expect(snapshot).toBe(first);
    expect(sameResult(result('a', { details: {} }), result('a'))).toBe(true);
    expect(sameResult(result('a', { details: { ruleId: 'r1' } }), result('a'))).toBe(false);
  });
});
