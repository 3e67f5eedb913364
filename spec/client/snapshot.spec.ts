import { describe, expect, it } from 'vitest';
import { FlagSnapshot, diffSnapshots, sameResult } from '../../lib/client/snapshot.js';
import type { EvalResult } from '../../lib/types.js';

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

  it('serializes values only, and cannot be polluted through __proto__ keys', () => {
    const polluted = FlagSnapshot.from([result('__proto__', { variant: 'x', value: { admin: true } }), result('on')]);
    const json = JSON.parse(JSON.stringify(polluted)) as Record<string, unknown>;
    expect(json.on).toBe(true);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(polluted.json('__proto__', null)).toEqual({ admin: true });
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
