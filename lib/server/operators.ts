/** Compiles one rule condition into a predicate over the evaluation input. */
import { compileRegex, type ConditionDoc } from './flags-file.js';

/** What a flag is evaluated for: the user id (`""` = anonymous) and string attributes. */
export interface EvalInput {
  /** The user id (`''`: anonymous). */
  userId: string;
  /** Only own properties count as present. */
  attributes: Readonly<Record<string, string>>;
}

/** A compiled condition. */
export type Predicate = (input: EvalInput) => boolean;

/** Segment slug → member user ids, for one project. */
export type SegmentIndex = ReadonlyMap<string, ReadonlySet<string>>;

const never: Predicate = () => false;

/**
 * Compile a condition. Attribute operators are false when the attribute is missing (for `neq` and
 * `not_in` too); segment operators look at the user id, and an empty user id is never a member.
 */
export function compileCondition(condition: ConditionDoc, segments: SegmentIndex): Predicate {
  const { operator, values } = condition;
  const first = values[0];
  if (operator === 'in_segment' || operator === 'not_in_segment') {
    if (first === undefined) return never;
    const members = segments.get(first);
    const isMember = (userId: string): boolean => userId !== '' && members !== undefined && members.has(userId);
    return operator === 'in_segment' ? (input) => isMember(input.userId) : (input) => !isMember(input.userId);
  }
  const test = compileTest(operator, values);
  if (test === undefined) return never;
  const attribute = condition.attribute ?? '';
  return (input) => Object.hasOwn(input.attributes, attribute) && test(input.attributes[attribute] as string);
}

/** The test applied to a present attribute value, or undefined for a condition that never matches. */
function compileTest(operator: ConditionDoc['operator'], values: readonly string[]): ((value: string) => boolean) | undefined {
  if (operator === 'in') return (value) => values.includes(value);
  if (operator === 'not_in') return (value) => !values.includes(value);
  const v = values[0];
  if (v === undefined) return undefined;
  switch (operator) {
    case 'eq':
      return (value) => value === v;
    case 'neq':
      return (value) => value !== v;
    case 'contains':
      return (value) => value.includes(v);
    case 'starts_with':
      return (value) => value.startsWith(v);
    case 'ends_with':
      return (value) => value.endsWith(v);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return numericTest(operator, v);
    case 'regex': {
      const re = compileRegex(v);
      return (value) => re.test(value);
    }
    case 'semver_eq':
    case 'semver_gt':
    case 'semver_lt': {
      const target = parseSemver(v);
      const want = operator === 'semver_eq' ? 0 : operator === 'semver_gt' ? 1 : -1;
      return (value) => compareSemver(parseSemver(value), target) === want;
    }
    default:
      return undefined;
  }
}

/** Numeric comparison via `Number`; a value that is not a number never matches. */
function numericTest(operator: 'gt' | 'gte' | 'lt' | 'lte', v: string): ((value: string) => boolean) | undefined {
  const target = toNumber(v);
  if (target === undefined) return undefined;
  const cmp = {
    gt: (a: number) => a > target,
    gte: (a: number) => a >= target,
    lt: (a: number) => a < target,
    lte: (a: number) => a <= target,
  }[operator];
  return (value) => {
    const n = toNumber(value);
    return n !== undefined && cmp(n);
  };
}

function toNumber(text: string): number | undefined {
  const n = Number(text);
  return text.trim() === '' || Number.isNaN(n) ? undefined : n;
}

/**
 * Rollgate's lenient semver: strip one leading `v`, take the first three dot-separated parts, cut
 * each at the first `-`, parse as an integer (invalid → 0); missing parts are 0.
 */
function parseSemver(text: string): [number, number, number] {
  const parts = (text.startsWith('v') ? text.slice(1) : text).split('.');
  const part = (i: number): number => {
    const digits = (parts[i] ?? '').split('-')[0] as string;
    return /^\d+$/.test(digits) ? Number(digits) : 0;
  };
  return [part(0), part(1), part(2)];
}

function compareSemver(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}
