import { describe, expect, it } from 'vitest';
import { canonicalJson, contextKey } from '../../lib/client/context-key.js';

describe('canonicalJson', () => {
  it('writes JSON with sorted keys and never throws on what JSON cannot carry', () => {
    const cycle: Record<string, unknown> = { x: 1 };
    cycle.self = cycle;
    expect(canonicalJson({ b: 1, a: [1, { d: undefined, c: 'x"' }] })).toBe('{"a":[1,{"c":"x\\""}],"b":1}');
    expect(canonicalJson([undefined, () => 1, Symbol('s'), Number.NaN, Number.POSITIVE_INFINITY, 12n])).toBe('[null,null,null,null,null,"12n"]');
    expect(canonicalJson({ f: () => 1, n: -0 })).toBe('{"f":null,"n":0}');
    expect(canonicalJson(cycle)).toBe('{"self":"[circular]","x":1}');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('gives equal contexts equal keys, whatever order their attributes were written in', () => {
    expect(contextKey({ attributes: { y: 2n, x: [1] }, userId: 'a' })).toBe(contextKey({ userId: 'a', attributes: { x: [1], y: 2n } }));
    expect(contextKey({ userId: 'a', attributes: { n: 1 } })).not.toBe(contextKey({ userId: 'a', attributes: { n: '1' } }));
  });
});
