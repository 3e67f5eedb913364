/**
 * The Cuttlegate evaluator: pure, no I/O. Flags are compiled once (rules sorted, conditions turned
 * into predicates, the bucketing hash prefix computed) and then evaluated per request.
 */
import { bucketFromPrefix, flagHashPrefix } from './bucket.js';
import { compileCondition, type EvalInput, type Predicate, type SegmentIndex } from './operators.js';
import type { FlagDoc, FlagEnvironmentDoc, FlagType, RuleDoc, SegmentDoc } from './flags-file.js';

export type { EvalInput } from './operators.js';

/** The only reasons a Cuttlegate server sends. */
export type EvalReason = 'disabled' | 'default' | 'rule_match';

/** The outcome of evaluating one flag. */
export interface Evaluation {
  /** The flag's key. */
  key: string;
  /** The flag's value type. */
  type: FlagType;
  /** The resolved variant key (`value_key` on the wire). */
  variant: string;
  /** Why this variant: the flag is disabled, no rule matched, or a rule did. */
  reason: EvalReason;
  /** `reason !== "disabled"`: the flag is switched on, not its boolean value. */
  enabled: boolean;
  /** The rule that decided, for `rule_match` only. */
  rule?: MatchedRule;
  /**
   * Finer detail, set only when it applies: `static` for `default` when the environment has no
   * enabled rules, `split` for `rule_match` when a rollout chose the variant (OFREP's reasons).
   */
  detail?: 'static' | 'split';
}

/** Which rule decided an evaluation. */
export interface MatchedRule {
  /** The rule's `id`, else its `name`, else its position as text. */
  id: string;
  /** Position in the file's `rules` array (disabled rules included). */
  index: number;
}

/** A flag ready for evaluation. */
export interface CompiledFlag {
  /** The flag's key. */
  readonly key: string;
  /** The flag's value type. */
  readonly type: FlagType;
  /** The variant served when no rule matches. */
  readonly defaultVariant: string;
  /** Environment slug → state; a missing entry means disabled. */
  readonly environments: ReadonlyMap<string, CompiledEnvironment>;
}

/** A flag's compiled state in one environment. */
export interface CompiledEnvironment {
  readonly enabled: boolean;
  /** Enabled rules only, by ascending priority. */
  readonly rules: readonly CompiledRule[];
}

interface CompiledRule {
  readonly matched: MatchedRule;
  readonly conditions: readonly Predicate[];
  /** Fixed variant, or a chooser over the user's bucket. */
  readonly serve: { readonly variant: string } | Rollout;
}

interface Rollout {
  /** Variant and running weight sum, in stored order. */
  readonly rollout: readonly (readonly [variant: string, upTo: number])[];
  /** FNV state after the flag key and the separator byte. */
  readonly hashPrefix: number;
}

/** Index a project's segments by slug. */
export function indexSegments(segments: readonly SegmentDoc[] = []): SegmentIndex {
  return new Map(segments.map((segment) => [segment.slug, new Set(segment.members)]));
}

/** Compile a validated flag against its project's segments. */
export function compileFlag(flag: FlagDoc, segments: SegmentIndex): CompiledFlag {
  const hashPrefix = flagHashPrefix(flag.key);
  const environments = new Map<string, CompiledEnvironment>();
  for (const [slug, state] of Object.entries(flag.environments ?? {})) {
    environments.set(slug, compileEnvironment(state, segments, hashPrefix));
  }
  return { key: flag.key, type: flag.type, defaultVariant: flag.defaultVariant, environments };
}

function compileEnvironment(state: FlagEnvironmentDoc, segments: SegmentIndex, hashPrefix: number): CompiledEnvironment {
  const rules = (state.rules ?? [])
    .map((rule, index) => ({ rule, index }))
    .filter(({ rule }) => rule.enabled !== false)
    .sort((a, b) => a.rule.priority - b.rule.priority)
    .map(({ rule, index }) => compileRule(rule, index, segments, hashPrefix));
  return { enabled: state.enabled, rules };
}

/** The id a reason names for the rule at `index` of its flag's list: its `id`, else its `name`, else its position. */
export function ruleId(rule: RuleDoc, index: number): string {
  return rule.id ?? rule.name ?? String(index);
}

function compileRule(rule: RuleDoc, index: number, segments: SegmentIndex, hashPrefix: number): CompiledRule {
  const matched: MatchedRule = { id: ruleId(rule, index), index };
  const conditions = (rule.conditions ?? []).map((condition) => compileCondition(condition, segments));
  if (rule.rollout === undefined || rule.rollout.length === 0) {
    return { matched, conditions, serve: { variant: rule.variant ?? '' } };
  }
  let sum = 0;
  const rollout = rule.rollout.map((entry) => [entry.variant, (sum += entry.weight)] as const);
  return { matched, conditions, serve: { rollout, hashPrefix } };
}

/**
 * Evaluate a compiled flag in an environment. Disabled (or no state) → default variant, reason
 * `disabled`; else the first enabled rule whose conditions all match (a rollout rule is skipped for
 * an anonymous user) → `rule_match`; else the default variant, reason `default`.
 */
export function evaluateFlag(flag: CompiledFlag, environment: string, input: EvalInput): Evaluation {
  const state = flag.environments.get(environment);
  if (state === undefined || !state.enabled) return result(flag, flag.defaultVariant, 'disabled');
  for (const rule of state.rules) {
    if (!rule.conditions.every((matches) => matches(input))) continue;
    if ('variant' in rule.serve) return { ...result(flag, rule.serve.variant, 'rule_match'), rule: rule.matched };
    if (input.userId === '') continue;
    return { ...result(flag, chooseRollout(rule.serve, input.userId), 'rule_match'), rule: rule.matched, detail: 'split' };
  }
  const fallthrough = result(flag, flag.defaultVariant, 'default');
  return state.rules.length === 0 ? { ...fallthrough, detail: 'static' } : fallthrough;
}

/** The first entry whose running weight sum exceeds the bucket; the last one if none does. */
function chooseRollout({ rollout, hashPrefix }: Rollout, userId: string): string {
  const bucket = bucketFromPrefix(hashPrefix, userId);
  for (const [variant, upTo] of rollout) if (bucket < upTo) return variant;
  return (rollout[rollout.length - 1] as readonly [string, number])[0];
}

function result(flag: CompiledFlag, variant: string, reason: EvalReason): Evaluation {
  return { key: flag.key, type: flag.type, variant, reason, enabled: reason !== 'disabled' };
}
