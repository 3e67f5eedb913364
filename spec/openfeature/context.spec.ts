import type { EvaluationContext } from '@openfeature/core';
import { describe, expect, it } from 'vitest';
import { contextKey } from '../../lib/client/context-key.js';
import { ConfigError } from '../../lib/index.js';
import { isEmptyContext } from '../../lib/openfeature/context.js';
import { toEvalContext, toEvaluationContext } from '../../lib/openfeature/index.js';

describe('OpenFeature ↔ flagstream context mapping', () => {
  it('maps targetingKey to userId, email to email, and everything else to attributes', () => {
    expect(
      toEvalContext({ targetingKey: 'u1', email: 'u1@example.com', plan: 'pro', seats: 3, beta: true, tags: ['a'], at: new Date(0), skip: undefined } as unknown as EvaluationContext),
    ).toEqual({ userId: 'u1', email: 'u1@example.com', attributes: { plan: 'pro', seats: 3, beta: true, tags: ['a'], at: new Date(0) } });
    expect(toEvalContext({})).toEqual({});
    // A non-string email is an ordinary attribute.
    expect(toEvalContext({ email: 42 })).toEqual({ attributes: { email: 42 } });
    expect(toEvalContext({ nested: { when: new Date(0), n: 1 } })).toEqual({ attributes: { nested: { when: new Date(0), n: 1 } } });
  });

  it('copies by the client rule: a toJSON() value becomes what it returns, a Map is a ConfigError naming its path', () => {
    const iso = new (class Stamp {
      toJSON = () => '2024';
    })();
    const when = new Date(0);
    const mapped = toEvalContext({ targetingKey: 'u1', iso, deep: { list: [iso] }, when } as unknown as EvaluationContext);
    expect(mapped).toEqual({ userId: 'u1', attributes: { iso: '2024', deep: { list: ['2024'] }, when } });
    expect(mapped.attributes!.when).not.toBe(when);
    expect(() => toEvalContext({ tags: new Map() } as unknown as EvaluationContext)).toThrow(new ConfigError('context.attributes.tags', 'must be JSON data, a Date, or have toJSON()'));
    expect(() => toEvalContext({ deep: { set: new Set() } } as unknown as EvaluationContext)).toThrow(/^context\.attributes\.deep\.set: /);
  });

  it('maps back the other way', () => {
    expect(toEvaluationContext({ userId: 'u1', email: 'e@x.y', attributes: { plan: 'pro' } })).toEqual({ targetingKey: 'u1', email: 'e@x.y', plan: 'pro' });
    expect(toEvaluationContext({})).toEqual({});
    const round = { targetingKey: 'u2', country: 'DE', n: 2 };
    expect(toEvaluationContext(toEvalContext(round))).toEqual(round);
  });

  it('treats a context with only undefined fields as empty and compares contexts by value', () => {
    expect(isEmptyContext(undefined)).toBe(true);
    expect(isEmptyContext({ targetingKey: undefined } as unknown as EvaluationContext)).toBe(true);
    expect(isEmptyContext({ targetingKey: '' })).toBe(false);
    expect(contextKey({ userId: 'a', attributes: { x: 1, y: 2 } })).toBe(contextKey({ attributes: { y: 2, x: 1 }, userId: 'a' }));
    expect(contextKey({ userId: 'a' })).not.toBe(contextKey({ userId: 'b' }));
  });
});
