import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { canonicalJson, contextKey } from '../../lib/client/context-key.js';
import { requestBody as cuttlegateBody } from '../../lib/transports/cuttlegate/wire.js';
import { requestBody as ofrepBody } from '../../lib/transports/ofrep/wire.js';
import { identifyBody as rollgateBody } from '../../lib/transports/rollgate/wire.js';
import type { EvalContext } from '../../lib/types.js';
import { scopeFor } from '../../lib/client/features/persistence.js';
import { ownContext } from '../../lib/client/own-context.js';
import { storeScope } from '../../lib/stores/index.js';

describe('canonicalJson', () => {
  it('writes JSON with sorted keys and never throws on what JSON cannot carry', () => {
    const cycle: Record<string, unknown> = { x: 1 };
    cycle.self = cycle;
    expect(canonicalJson({ b: 1, a: [1, { d: undefined, c: 'x"' }] })).toBe('{"a":[1,{"c":"x\\"","d":<undefined>}],"b":1}');
    expect(canonicalJson([undefined, () => 1, Symbol('s'), Number.NaN, Number.POSITIVE_INFINITY, 12n])).toBe(
      '[<undefined>,<function>,<symbol>,<NaN>,<Infinity>,<12n>]',
    );
    expect(canonicalJson({ f: () => 1, n: -0 })).toBe('{"f":<function>,"n":0}');
    expect(canonicalJson(cycle)).toBe('{"self":<circular>,"x":1}');
    expect(canonicalJson(undefined)).toBe('<undefined>');
    expect(canonicalJson([new Date('2020-01-01T00:00:00Z'), new Date(Number.NaN)])).toBe('["2020-01-01T00:00:00.000Z",<invalid date>]');
  });

  it('gives equal contexts equal keys, whatever order their attributes were written in', () => {
    expect(contextKey({ attributes: { y: 2n, x: [1] }, userId: 'a' })).toBe(contextKey({ userId: 'a', attributes: { x: [1], y: 2n } }));
    expect(contextKey({ userId: 'a', attributes: { n: 1 } })).not.toBe(contextKey({ userId: 'a', attributes: { n: '1' } }));
  });

  it('keys a date by its instant, as the transports send it, so contexts that differ only in a date never share a key', () => {
    const at = (iso: string): string => contextKey({ userId: 'a', attributes: { signedUp: new Date(iso) } });
    expect(at('2020-01-01T00:00:00Z')).not.toBe(at('2024-06-01T00:00:00Z'));
    expect(at('2020-01-01T00:00:00Z')).toBe(at('2020-01-01T00:00:00.000Z'));
    expect(at('2020-01-01T00:00:00Z')).toBe(contextKey({ userId: 'a', attributes: { signedUp: '2020-01-01T00:00:00.000Z' } }));
  });

  it('never gives what JSON cannot carry the key of a value that is sent', () => {
    const key = (value: unknown): string => contextKey({ attributes: { x: value } });
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(key(12n)).not.toBe(key('12n'));
    expect(key(Number.NaN)).not.toBe(key(null));
    expect(key([undefined])).not.toBe(key([null]));
    expect(key(() => 1)).not.toBe(key(null));
    expect(key(new Date(Number.NaN))).not.toBe(key(null));
    expect(key(cycle)).not.toBe(key({ self: '[circular]' }));
  });

  it('leaves an undefined attribute out, as the transports do, but not an undefined member deeper down (its attribute is not sent)', () => {
    expect(contextKey({ userId: 'a', attributes: { plan: undefined, n: 1 } })).toBe(contextKey({ userId: 'a', attributes: { n: 1 } }));
    expect(contextKey({ attributes: { address: { city: 'X', zip: undefined } } })).not.toBe(contextKey({ attributes: { address: { city: 'X' } } }));
  });

  it('is equal only for contexts every transport sends alike (a store or fleet scope never mixes two flag sets)', () => {
    const bodies = (context: EvalContext): unknown[] =>
      [cuttlegateBody, ofrepBody, rollgateBody].map((body) => canonicalJson(body(context, () => undefined))); // a server reads keys in any order
    const signedUp = '2020-01-01T00:00:00.000Z';
    const pairs: Array<[EvalContext, EvalContext]> = [
      [{ userId: 'a', attributes: { signedUp: new Date(signedUp) } }, { userId: 'a', attributes: { signedUp } }],
      [{ attributes: { b: '1', a: '2' } }, { attributes: { a: '2', b: '1' } }],
      [{ userId: 'a', attributes: { plan: undefined } }, { userId: 'a' }],
      [{ userId: '', email: '' }, {}],
    ];
    // Contexts whose keys differ may be sent alike (over-splitting costs a load, never a wrong value); these are not.
    const apart: Array<[EvalContext, EvalContext]> = [[{ userId: 'a', email: null as never }, { userId: 'a' }]];
    for (const [one, other] of apart) {
      expect(bodies(one)).not.toEqual(bodies(other));
      expect(contextKey(one)).not.toBe(contextKey(other));
    }
    for (const [one, other] of pairs) {
      expect(contextKey(one)).toBe(contextKey(other));
      expect(bodies(one)).toEqual(bodies(other));
    }
  });
});

describe('the key of an app’s context and of the client’s copy of it', () => {
  const ID = 'ofrep http://127.0.0.1:1/';
  const clientScope = (context: EvalContext): string => scopeFor(ID, contextKey(ownContext(context)));
  const plan = { toJSON: () => 'pro' };

  it('agree, and agree with the wire: a toJSON() value (a plain object’s too) as what it returns, a foreign-realm date, invalid or not', () => {
    const contexts: EvalContext[] = [
      { userId: 'u', attributes: { plan: plan as never } },
      { userId: 'u', attributes: { at: runInNewContext('new Date(NaN)') as Date } },
      { userId: 'u', attributes: { at: runInNewContext('new Date(0)') as Date } },
    ];
    for (const context of contexts) expect(storeScope(ID, context)).toBe(clientScope(context));
    const wire = (context: EvalContext) => ofrepBody(ownContext(context), () => {}).context;
    expect(wire({ userId: 'u', attributes: { plan: plan as never } })).toEqual(wire({ userId: 'u', attributes: { plan: 'pro' } }));
    expect(contextKey(ownContext({ userId: 'u', attributes: { plan: plan as never } }))).toBe(contextKey({ userId: 'u', attributes: { plan: 'pro' } }));
  });

  it('a toJSON() that returns its own object is asked once, as JSON does: no endless walk', () => {
    const self = { x: 1, toJSON(): unknown {
      return this;
    } };
    const own = ownContext({ userId: 'u', attributes: { self: self as never } });
    expect((own.attributes!.self as { x: number }).x).toBe(1);
    expect(() => contextKey(own)).not.toThrow();
    expect(() => storeScope(ID, { userId: 'u', attributes: { self: self as never } })).not.toThrow();
  });

  it('attributes with a toJSON() of their own are taken as they are (the transports read their entries), never as a string', () => {
    const attributes = { plan: 'pro', toJSON: () => 'plan-x' };
    const own = ownContext({ userId: 'a', attributes: attributes as never });
    expect(typeof own.attributes).toBe('object');
    expect((own.attributes as Record<string, unknown>).plan).toBe('pro');
  });

  it('attributes that are a Map are refused, as a Map attribute is (never copied as {})', () => {
    expect(() => ownContext({ userId: 'u', attributes: new Map([['plan', 'pro']]) as never })).toThrow('context.attributes: must be JSON data, a Date, or have toJSON()');
  });
});
