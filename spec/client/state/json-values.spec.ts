import { describe, expect, it } from 'vitest';
import { frozenJson, sameJson } from '../../../lib/client/state/json-values.js';

describe('frozenJson', () => {
  it('copies and deep-freezes JSON, and returns its own copies as they are', () => {
    const shared = { on: true };
    const input = { a: shared, b: [shared, 1, 'x', null] };
    const copy = frozenJson(input) as { a: object; b: unknown[] };
    expect(copy).toEqual(input);
    expect(copy).not.toBe(input);
    expect(Object.isFrozen(copy.a) && Object.isFrozen(copy.b)).toBe(true);
    expect(frozenJson(copy)).toBe(copy);
  });

  it('gives no value for cycles, bigints, class instances and non-finite numbers at any depth', () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = { back: cycle };
    expect(frozenJson(cycle)).toBeUndefined();
    expect(frozenJson({ n: [1, 2n] })).toBeUndefined();
    expect(frozenJson({ when: new Date(0) })).toBeUndefined();
    expect(frozenJson([{ nan: Number.NaN }])).toBeUndefined();
    expect(frozenJson({ f: () => 1 })).toBeUndefined();
  });

  it('reads an array hole as null, as the JSON text says', () => {
    expect(frozenJson([1, , 3])).toEqual([1, null, 3]);
  });
});

describe('sameJson', () => {
  it('compares structurally: key order does not count, a missing key or another length does', () => {
    expect(sameJson({ a: [1, { b: 2 }], c: null }, { c: null, a: [1, { b: 2 }] })).toBe(true);
    expect(sameJson({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(sameJson([1, 2], [1, 2, 3])).toBe(false);
    expect(sameJson({ 0: 1 }, [1])).toBe(false);
  });

  it('compares members as === does at any depth: -0 is 0, NaN is never equal; an undefined member counts on either side; the prototype does not', () => {
    expect(sameJson({ n: [0] }, { n: [-0] })).toBe(true);
    expect(sameJson({ n: [Number.NaN] }, { n: [Number.NaN] })).toBe(false);
    expect(sameJson({ a: 1, b: undefined }, { a: 1 })).toBe(false);
    expect(sameJson({ a: undefined }, { b: undefined })).toBe(false);
    expect(sameJson(Object.assign(Object.create(null) as object, { a: [1] }), { a: [1] })).toBe(true);
    expect(sameJson({ length: 0 }, [])).toBe(false);
  });
});
