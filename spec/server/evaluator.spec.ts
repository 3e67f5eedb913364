import { describe, expect, it } from 'vitest';
import { bucket, fnv1a32 } from '../../lib/server/bucket.js';
import { compileFlag, evaluateFlag, indexSegments, type EvalInput } from '../../lib/server/evaluator.js';
import type { ConditionDoc, FlagDoc, RuleDoc, SegmentDoc } from '../../lib/server/flags-file.js';

const segments: SegmentDoc[] = [{ slug: 'beta', members: ['alice', 'user-1'] }];

function boolFlag(rules: RuleDoc[], enabled = true, key = 'dark-mode'): FlagDoc {
  return { key, type: 'bool', defaultVariant: 'false', environments: { production: { enabled, rules } } };
}

function evaluate(flag: FlagDoc, input: Partial<EvalInput> = {}, env = 'production') {
  return evaluateFlag(compileFlag(flag, indexSegments(segments)), env, { userId: '', attributes: {}, ...input });
}

/** Whether a single-condition rule matches the given attributes. */
function matches(condition: ConditionDoc, attributes: Record<string, string>, userId = ''): boolean {
  return evaluate(boolFlag([{ priority: 1, conditions: [condition], variant: 'true' }]), { attributes, userId }).reason === 'rule_match';
}

describe('FNV-1a bucketing (cuttlegate §9.5 vectors)', () => {
  const vectors: [string, string, number, number][] = [
    ['my-flag', 'user-123', 86527682, 82],
    ['ab', 'c', 4018473767, 67],
    ['a', 'bc', 1620527011, 11],
    ['flag-a', 'user-1', 3102105246, 46],
    ['dark-mode', 'alice', 334567307, 7],
    ['dark-mode', 'bob', 3034505360, 60],
    ['checkout-v2', 'user-42', 1578747532, 32],
    ['my-flag', 'ünïcode', 156488272, 72],
  ];
  it.each(vectors)('%s / %s hashes to %i, bucket %i', (flagKey, userId, hash, expected) => {
    expect(fnv1a32(new TextEncoder().encode(`${flagKey}\u0000${userId}`))).toBe(hash);
    expect(bucket(flagKey, userId)).toBe(expected);
  });

  it('a 50/50 rollout gives my-flag/user-123 the second variant', () => {
    const flag = boolFlag(
      [{ priority: 1, rollout: [{ variant: 'false', weight: 50 }, { variant: 'true', weight: 50 }] }],
      true,
      'my-flag',
    );
    expect(evaluate(flag, { userId: 'user-123' }).variant).toBe('true');
  });
});

describe('evaluateFlag', () => {
  it('serves the default variant with reason "disabled" when the flag is off, without consulting rules', () => {
    const flag = { ...boolFlag([{ priority: 1, variant: 'false' }], false), defaultVariant: 'true' };
    expect(evaluate(flag)).toEqual({ key: 'dark-mode', type: 'bool', variant: 'true', reason: 'disabled', enabled: false });
  });

  it('treats an environment with no state as disabled', () => {
    expect(evaluate(boolFlag([{ priority: 1, variant: 'true' }]), {}, 'staging')).toMatchObject({
      variant: 'false',
      reason: 'disabled',
      enabled: false,
    });
  });

  it('falls back to the default variant with reason "default" when no rule matches', () => {
    const flag = boolFlag([{ priority: 1, conditions: [{ attribute: 'plan', operator: 'eq', values: ['pro'] }], variant: 'true' }]);
    expect(evaluate(flag, { attributes: { plan: 'free' } })).toMatchObject({ variant: 'false', reason: 'default', enabled: true });
  });

  it('runs rules by ascending priority, not file order', () => {
    const flag: FlagDoc = {
      key: 'banner',
      type: 'string',
      variants: ['a', 'b', 'c'],
      defaultVariant: 'c',
      environments: { production: { enabled: true, rules: [{ priority: 9, variant: 'a' }, { priority: 2, variant: 'b' }] } },
    };
    expect(evaluate(flag)).toMatchObject({ variant: 'b', reason: 'rule_match' });
  });

  it('skips disabled rules', () => {
    const flag = boolFlag([
      { priority: 1, enabled: false, variant: 'false' },
      { priority: 2, variant: 'true' },
    ]);
    expect(evaluate(flag).variant).toBe('true');
  });

  it('ANDs all conditions of a rule', () => {
    const flag = boolFlag([
      {
        priority: 1,
        conditions: [
          { attribute: 'plan', operator: 'eq', values: ['pro'] },
          { attribute: 'country', operator: 'in', values: ['DE', 'AT'] },
        ],
        variant: 'true',
      },
    ]);
    expect(evaluate(flag, { attributes: { plan: 'pro', country: 'AT' } }).reason).toBe('rule_match');
    expect(evaluate(flag, { attributes: { plan: 'pro', country: 'US' } }).reason).toBe('default');
  });

  it('matches everyone with a rule that has no conditions', () => {
    expect(evaluate(boolFlag([{ priority: 1, variant: 'true' }])).variant).toBe('true');
  });

  it('names the deciding rule by id, else name, else file position, with its file position', () => {
    const rules: RuleDoc[] = [
      { priority: 1, enabled: false, variant: 'true' },
      { priority: 3, name: 'pro plan', conditions: [{ attribute: 'plan', operator: 'eq', values: ['pro'] }], variant: 'true' },
      { priority: 2, id: 'r-beta', conditions: [{ operator: 'in_segment', values: ['beta'] }], variant: 'true' },
      { priority: 4, rollout: [{ variant: 'true', weight: 100 }] },
    ];
    expect(evaluate(boolFlag(rules), { attributes: { plan: 'pro' } }).rule).toEqual({ id: 'pro plan', index: 1 });
    expect(evaluate(boolFlag(rules), { userId: 'alice', attributes: { plan: 'pro' } }).rule).toEqual({ id: 'r-beta', index: 2 });
    expect(evaluate(boolFlag(rules), { userId: 'bob' }).rule).toEqual({ id: '3', index: 3 });
    expect(evaluate(boolFlag(rules)).rule).toBeUndefined();
  });

  it('skips a rollout rule for an anonymous user and continues with the next rule', () => {
    const flag = boolFlag([
      { priority: 1, rollout: [{ variant: 'false', weight: 100 }] },
      { priority: 2, variant: 'true' },
    ]);
    expect(evaluate(flag, { userId: '' })).toMatchObject({ variant: 'true', reason: 'rule_match' });
    expect(evaluate(flag, { userId: 'bob' })).toMatchObject({ variant: 'false', reason: 'rule_match' });
  });

  it('walks rollout entries in stored order (a:30/b:70)', () => {
    const flag: FlagDoc = {
      key: 'dark-mode',
      type: 'string',
      variants: ['a', 'b'],
      defaultVariant: 'a',
      environments: {
        production: { enabled: true, rules: [{ priority: 1, rollout: [{ variant: 'a', weight: 30 }, { variant: 'b', weight: 70 }] }] },
      },
    };
    expect(evaluate(flag, { userId: 'alice' }).variant).toBe('a'); // bucket 7
    expect(evaluate(flag, { userId: 'bob' }).variant).toBe('b'); // bucket 60
  });

  it('buckets a user identically in two rollout rules of one flag', () => {
    const flag: FlagDoc = {
      key: 'dark-mode',
      type: 'string',
      variants: ['a', 'b'],
      defaultVariant: 'a',
      environments: {
        production: {
          enabled: true,
          rules: [
            { priority: 1, conditions: [{ attribute: 'x', operator: 'eq', values: ['1'] }], rollout: [{ variant: 'a', weight: 61 }, { variant: 'b', weight: 39 }] },
            { priority: 2, rollout: [{ variant: 'b', weight: 61 }, { variant: 'a', weight: 39 }] },
          ],
        },
      },
    };
    expect(evaluate(flag, { userId: 'bob', attributes: { x: '1' } }).variant).toBe('a');
    expect(evaluate(flag, { userId: 'bob' }).variant).toBe('b');
  });

  it('marks the finer detail: static without enabled rules, split when a rollout chose, nothing otherwise', () => {
    expect(evaluate(boolFlag([])).detail).toBe('static');
    expect(evaluate(boolFlag([{ priority: 1, enabled: false, variant: 'true' }])).detail).toBe('static');
    expect(evaluate(boolFlag([{ priority: 1, conditions: [{ attribute: 'plan', operator: 'eq', values: ['pro'] }], variant: 'true' }])).detail).toBeUndefined();
    expect(evaluate(boolFlag([{ priority: 1, variant: 'true' }])).detail).toBeUndefined();
    expect(evaluate(boolFlag([{ priority: 1, rollout: [{ variant: 'true', weight: 100 }] }]), { userId: 'u' }).detail).toBe('split');
    expect(evaluate(boolFlag([], false)).detail).toBeUndefined();
  });

  it('returns the last rollout entry when the weights do not reach the bucket', () => {
    const flag: FlagDoc = {
      key: 'dark-mode',
      type: 'string',
      variants: ['a', 'b'],
      defaultVariant: 'a',
      environments: { production: { enabled: true, rules: [{ priority: 1, rollout: [{ variant: 'a', weight: 10 }, { variant: 'b', weight: 10 }] }] } },
    };
    expect(evaluate(flag, { userId: 'bob' }).variant).toBe('b'); // bucket 60 ≥ 20
  });
});

describe('operators', () => {
  it.each<[ConditionDoc['operator'], string[], string, boolean]>([
    ['eq', ['pro'], 'pro', true],
    ['eq', ['pro'], 'Pro', false],
    ['neq', ['pro'], 'free', true],
    ['neq', ['pro'], 'pro', false],
    ['contains', ['ro'], 'pro', true],
    ['starts_with', ['pr'], 'pro', true],
    ['starts_with', ['ro'], 'pro', false],
    ['ends_with', ['ro'], 'pro', true],
    ['in', ['free', 'pro'], 'pro', true],
    ['in', ['free'], 'pro', false],
    ['not_in', ['free'], 'pro', true],
    ['not_in', ['pro'], 'pro', false],
    ['gt', ['100'], '150', true],
    ['gte', ['100'], '100', true],
    ['gte', ['100'], '99.9', false],
    ['lt', ['1e3'], '999', true],
    ['lte', ['-1'], '-1', true],
    ['gt', ['1'], 'abc', false],
    ['gt', ['-1'], '', false],
    ['regex', ['^user-\\d+$'], 'user-42', true],
    ['regex', ['^user-\\d+$'], 'USER-42', false],
    ['regex', ['(?i)^user-\\d+$'], 'USER-42', true],
    ['regex', ['ser'], 'user', true],
    ['semver_eq', ['1.0.0'], '1.0.0-beta', true],
    ['semver_eq', ['1.2'], 'v1.2.0', true],
    ['semver_gt', ['1.5.0'], '1.5.0', false],
    ['semver_gt', ['1.9.9'], 'v1.10.0', true],
    ['semver_lt', ['2.0.0'], '1.99.99', true],
    ['semver_lt', ['2.0.0'], 'garbage', true],
  ])('%s %j against %j → %s', (operator, values, value, expected) => {
    expect(matches({ attribute: 'a', operator, values }, { a: value })).toBe(expected);
  });

  it.each<ConditionDoc['operator']>(['eq', 'neq', 'contains', 'in', 'not_in', 'gt', 'lte', 'regex', 'semver_lt'])(
    '%s is false when the attribute is missing',
    (operator) => {
      const values = operator === 'regex' ? ['.*'] : operator === 'semver_lt' ? ['9.9.9'] : ['1'];
      expect(matches({ attribute: 'a', operator, values }, { other: 'x' })).toBe(false);
    },
  );

  it('does not see inherited object members as attributes', () => {
    expect(matches({ attribute: 'toString', operator: 'neq', values: ['x'] }, {})).toBe(false);
    expect(matches({ attribute: 'constructor', operator: 'not_in', values: ['x'] }, {})).toBe(false);
  });

  it('treats an attribute present with "" as present', () => {
    expect(matches({ attribute: 'a', operator: 'eq', values: [''] }, { a: '' })).toBe(true);
    expect(matches({ attribute: 'a', operator: 'neq', values: ['x'] }, { a: '' })).toBe(true);
  });

  it('matches segments by user id, ignoring the attribute', () => {
    expect(matches({ attribute: 'ignored', operator: 'in_segment', values: ['beta'] }, {}, 'alice')).toBe(true);
    expect(matches({ operator: 'in_segment', values: ['beta'] }, {}, 'bob')).toBe(false);
    expect(matches({ operator: 'not_in_segment', values: ['beta'] }, {}, 'bob')).toBe(true);
    expect(matches({ operator: 'not_in_segment', values: ['beta'] }, {}, 'alice')).toBe(false);
  });

  it('never counts an empty user id as a segment member', () => {
    const withEmpty: FlagDoc = boolFlag([{ priority: 1, conditions: [{ operator: 'in_segment', values: ['s'] }], variant: 'true' }]);
    const compiled = compileFlag(withEmpty, indexSegments([{ slug: 's', members: [''] }]));
    expect(evaluateFlag(compiled, 'production', { userId: '', attributes: {} }).reason).toBe('default');
    expect(matches({ operator: 'not_in_segment', values: ['beta'] }, {}, '')).toBe(true);
  });

  it('treats an unknown segment as non-membership', () => {
    expect(matches({ operator: 'in_segment', values: ['gone'] }, {}, 'alice')).toBe(false);
    expect(matches({ operator: 'not_in_segment', values: ['gone'] }, {}, 'alice')).toBe(true);
  });

  it('treats segment conditions with no values as false', () => {
    expect(matches({ operator: 'in_segment', values: [] }, {}, 'alice')).toBe(false);
    expect(matches({ operator: 'not_in_segment', values: [] }, {}, 'alice')).toBe(false);
  });
});
