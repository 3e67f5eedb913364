/**
 * The flags file: the local server's input. This module holds its types and the rules that
 * make a document valid; it does no I/O (see `load.ts`).
 */
import { FlagstreamError } from '../errors.js';
import { isObject } from './decoded.js';

/** The value type of a flag. */
export type FlagType = 'bool' | 'string' | 'number' | 'json';

/** Condition operators: Cuttlegate's set plus the Rollgate extras. */
export type Operator =
  | 'eq'
  | 'neq'
  | 'contains'
  | 'starts_with'
  | 'ends_with'
  | 'in'
  | 'not_in'
  | 'in_segment'
  | 'not_in_segment'
  | 'gt'
  | 'gte'
  | 'lt'
  | 'lte'
  | 'regex'
  | 'semver_eq'
  | 'semver_gt'
  | 'semver_lt';

/** A whole flags file. */
export interface FlagsDocument {
  /** Optional JSON Schema reference, for editors. */
  $schema?: string;
  /** Bearer token that may toggle flags (`PATCH …/flags/{key}`) and call every route. */
  adminKey?: string;
  /** Every project the server serves. */
  projects: ProjectDoc[];
}

/** One project: its environments, segments and flags. */
export interface ProjectDoc {
  /** The project's slug in request paths and keys' scopes. */
  slug: string;
  /** The project's environments. */
  environments: EnvironmentDoc[];
  /** Named user lists the rules' segment operators refer to. */
  segments?: SegmentDoc[];
  /** Array order is the bulk response order. */
  flags?: FlagDoc[];
}

/** An environment and the API keys scoped to it. */
export interface EnvironmentDoc {
  /** The environment's slug. */
  slug: string;
  /** Keys that read this environment's flags (and nothing else). */
  apiKeys?: string[];
}

/** A named list of user ids, matched exactly against the context's user id. */
export interface SegmentDoc {
  /** The name conditions use. */
  slug: string;
  /** The member user ids. */
  members: string[];
}

/** One flag and its per-environment targeting. */
export interface FlagDoc {
  /** The flag's key, unique in its project. */
  key: string;
  /** Display name (defaults to the key). */
  name?: string;
  /** Free text for humans; ignored by evaluation. */
  description?: string;
  /** The value type of every variant. */
  type: FlagType;
  /** Variant keys. Implicitly `["true","false"]` for bool flags; for number and json flags the key is the value's text. */
  variants?: string[];
  /** The variant served when the flag is on and no rule matches. */
  defaultVariant: string;
  /** Keyed by environment slug; a missing environment means disabled there. */
  environments?: Record<string, FlagEnvironmentDoc>;
}

/** A flag's state in one environment. */
export interface FlagEnvironmentDoc {
  /** The flag is on in this environment (off: the disabled result, no value). */
  enabled: boolean;
  /** Targeting rules, tried by ascending `priority`. */
  rules?: RuleDoc[];
}

/** A targeting rule: all conditions ANDed, then a fixed variant or a weighted rollout. */
export interface RuleDoc {
  /** The rule's id, reported with a match. */
  id?: string;
  /** The rule's display name, reported with a match. */
  name?: string;
  /** Lower runs first; unique per flag and environment. */
  priority: number;
  /** Defaults to true. */
  enabled?: boolean;
  /** Empty or absent: matches everyone. */
  conditions?: ConditionDoc[];
  /** The fixed variant a match serves (or `rollout`). */
  variant?: string;
  /** Weights ≥ 1, summing to 100, walked in this order. */
  rollout?: RolloutDoc[];
}

/** One condition of a rule. */
export interface ConditionDoc {
  /** Context attribute name; ignored (may be omitted) for the segment operators. */
  attribute?: string;
  /** How the attribute is compared with `values`. */
  operator: Operator;
  /** The operand(s): values, or segment slugs for the segment operators. */
  values: string[];
}

/** One weighted entry of a rollout. */
export interface RolloutDoc {
  /** The variant served to this share of users. */
  variant: string;
  /** The share, in percent. */
  weight: number;
}

/** One problem in a document, located by its JSON path (`projects[0].flags[2].defaultVariant`). */
export interface FlagsFileIssue {
  /** Where: the JSON path, `''` for the document itself. */
  path: string;
  /** What is wrong. */
  message: string;
}

/** A flags document failed validation; `issues` lists every violation found. */
export class FlagsFileError extends FlagstreamError {
  constructor(
    /** Every violation found. */
    readonly issues: readonly FlagsFileIssue[],
    /** The file's path, when the document came from a file. */
    readonly file?: string,
  ) {
    super(
      `invalid flags ${file === undefined ? 'document' : `file ${file}`}:\n` +
        issues.map((issue) => `  ${formatIssue(issue)}`).join('\n'),
    );
  }
}

/** A validated document plus the non-fatal findings (unknown segments, unusual key formats). */
export interface ValidatedFlags {
  /** The document, valid. */
  document: FlagsDocument;
  /** Non-fatal findings. */
  warnings: FlagsFileIssue[];
}

/** `path: message`, with `(root)` for the document itself. */
export function formatIssue(issue: FlagsFileIssue): string {
  return `${issue.path === '' ? '(root)' : issue.path}: ${issue.message}`;
}

/** The variant keys of a flag, including the implicit bool pair. */
export function variantsOf(flag: Pick<FlagDoc, 'type' | 'variants'>): readonly string[] {
  return flag.type === 'bool' ? (flag.variants ?? BOOL_VARIANTS) : (flag.variants ?? []);
}

const BOOL_VARIANTS: readonly string[] = ['true', 'false'];
const SLUG = /^[a-z0-9][a-z0-9-]*$/;
const MAX_FLAG_KEY = 128;
/** Every flag type. */
export const FLAG_TYPES: readonly FlagType[] = ['bool', 'string', 'number', 'json'];

/** How many `values` each operator takes: an exact count, or `'some'` for one or more. */
const OPERATOR_ARITY: Readonly<Record<Operator, 1 | 'some'>> = {
  eq: 1,
  neq: 1,
  contains: 1,
  starts_with: 1,
  ends_with: 1,
  in: 'some',
  not_in: 'some',
  in_segment: 1,
  not_in_segment: 1,
  gt: 1,
  gte: 1,
  lt: 1,
  lte: 1,
  regex: 1,
  semver_eq: 1,
  semver_gt: 1,
  semver_lt: 1,
};

/** Every operator a condition may use. */
export const OPERATORS = Object.keys(OPERATOR_ARITY) as readonly Operator[];

/** Operators whose `attribute` is ignored. */
export const SEGMENT_OPERATORS: ReadonlySet<Operator> = new Set(['in_segment', 'not_in_segment']);

/** Operators that compare numbers; their value must parse as a finite number. */
const NUMERIC_OPERATORS: ReadonlySet<Operator> = new Set(['gt', 'gte', 'lt', 'lte']);

/** Parse a `regex` condition value: a leading `(?i)` becomes the `i` flag. Throws `SyntaxError`. */
export function compileRegex(pattern: string): RegExp {
  return pattern.startsWith('(?i)') ? new RegExp(pattern.slice(4), 'iu') : new RegExp(pattern, 'u');
}

/**
 * Validate a parsed JSON value as a flags document. Every violation is collected, then thrown
 * together as one {@link FlagsFileError}. The returned document is a deep copy.
 */
export function validateFlagsDocument(value: unknown, file?: string): ValidatedFlags {
  const check = new Checker();
  checkDocument(check, value);
  if (check.issues.length > 0) throw new FlagsFileError(check.issues, file);
  return { document: structuredClone(value as FlagsDocument), warnings: check.warnings };
}

/** Collects issues and warnings while walking the document. */
class Checker {
  readonly issues: FlagsFileIssue[] = [];
  readonly warnings: FlagsFileIssue[] = [];

  /**
   * The type checks below stay silent on `undefined`: a missing required field is reported once by
   * {@link Checker.object}, and optional fields are only checked when present.
   */
  fail(path: string, message: string): false {
    this.issues.push({ path, message });
    return false;
  }

  warn(path: string, message: string): void {
    this.warnings.push({ path, message });
  }

  /** A plain object with no unknown fields and every required field present. */
  object(
    value: unknown,
    path: string,
    required: readonly string[],
    optional: readonly string[],
  ): value is Record<string, unknown> {
    if (!isObject(value)) return this.fail(path, `expected an object, got ${describe(value)}`);
    for (const name of Object.keys(value)) {
      if (!required.includes(name) && !optional.includes(name)) this.fail(join(path, name), 'unknown field');
    }
    for (const name of required) {
      if (!Object.hasOwn(value, name)) this.fail(join(path, name), 'is required');
    }
    return true;
  }

  string(value: unknown, path: string, opts: { nonEmpty?: boolean } = {}): value is string {
    if (value === undefined) return false;
    if (typeof value !== 'string') return this.fail(path, `expected a string, got ${describe(value, path)}`);
    if (opts.nonEmpty && value === '') return this.fail(path, 'must not be empty');
    return true;
  }

  slug(value: unknown, path: string): value is string {
    if (!this.string(value, path)) return false;
    if (!SLUG.test(value)) return this.fail(path, `${JSON.stringify(value)} must match ${SLUG.source}`);
    return true;
  }

  array(value: unknown, path: string): value is unknown[] {
    if (value === undefined) return false;
    if (!Array.isArray(value)) return this.fail(path, `expected an array, got ${describe(value, path)}`);
    return true;
  }

  boolean(value: unknown, path: string): value is boolean {
    if (value === undefined) return false;
    if (typeof value !== 'boolean') return this.fail(path, `expected true or false, got ${describe(value, path)}`);
    return true;
  }

  /** An array of strings, each non-empty when asked, and unique when asked. */
  strings(value: unknown, path: string, opts: { nonEmpty?: boolean; unique?: string } = {}): value is string[] {
    if (!this.array(value, path)) return false;
    const seen = new Set<string>();
    let ok = true;
    value.forEach((item, i) => {
      if (!this.string(item, `${path}[${i}]`, opts)) {
        ok = false;
      } else if (opts.unique !== undefined && seen.has(item)) {
        ok = this.fail(`${path}[${i}]`, `duplicate ${opts.unique} ${JSON.stringify(item)}`);
      } else {
        seen.add(item);
      }
    });
    return ok;
  }

  /** Each element's `field` must be unique; reports the later duplicates. */
  unique(items: unknown[], path: string, field: string, what: string): void {
    const seen = new Set<unknown>();
    items.forEach((item, i) => {
      if (!isObject(item) || typeof item[field] !== 'string') return;
      if (seen.has(item[field])) this.fail(`${path}[${i}].${field}`, `duplicate ${what} ${JSON.stringify(item[field])}`);
      seen.add(item[field]);
    });
  }
}

function checkDocument(check: Checker, doc: unknown): void {
  if (!check.object(doc, '', ['projects'], ['$schema', 'adminKey'])) return;
  if (doc.$schema !== undefined) check.string(doc.$schema, '$schema');
  if (doc.adminKey !== undefined) check.string(doc.adminKey, 'adminKey', { nonEmpty: true });
  if (!check.array(doc.projects, 'projects')) return;
  check.unique(doc.projects, 'projects', 'slug', 'project slug');
  const keyOwners = new Map<string, string>();
  doc.projects.forEach((project, i) => checkProject(check, project, `projects[${i}]`, keyOwners));
  if (typeof doc.adminKey === 'string' && keyOwners.has(doc.adminKey)) {
    check.fail('adminKey', `is also an API key of ${keyOwners.get(doc.adminKey)}`);
  }
}

function checkProject(check: Checker, project: unknown, path: string, keyOwners: Map<string, string>): void {
  if (!check.object(project, path, ['slug', 'environments'], ['segments', 'flags'])) return;
  check.slug(project.slug, `${path}.slug`);
  const envSlugs = new Set<string>();
  if (check.array(project.environments, `${path}.environments`)) {
    check.unique(project.environments, `${path}.environments`, 'slug', 'environment slug');
    project.environments.forEach((env, i) => {
      const envPath = `${path}.environments[${i}]`;
      if (!check.object(env, envPath, ['slug'], ['apiKeys'])) return;
      if (check.slug(env.slug, `${envPath}.slug`)) envSlugs.add(env.slug);
      if (env.apiKeys === undefined || !check.strings(env.apiKeys, `${envPath}.apiKeys`, { nonEmpty: true })) return;
      env.apiKeys.forEach((key, k) => {
        const keyPath = `${envPath}.apiKeys[${k}]`;
        const owner = keyOwners.get(key);
        if (owner !== undefined) check.fail(keyPath, `API key already used by ${owner}`);
        else keyOwners.set(key, keyPath);
        if (!key.startsWith('cg_')) check.warn(keyPath, 'API keys normally start with "cg_"');
      });
    });
  }
  const segmentSlugs = new Set<string>();
  if (project.segments !== undefined && check.array(project.segments, `${path}.segments`)) {
    check.unique(project.segments, `${path}.segments`, 'slug', 'segment slug');
    project.segments.forEach((segment, i) => {
      const segPath = `${path}.segments[${i}]`;
      if (!check.object(segment, segPath, ['slug', 'members'], [])) return;
      if (check.slug(segment.slug, `${segPath}.slug`)) segmentSlugs.add(segment.slug);
      check.strings(segment.members, `${segPath}.members`);
    });
  }
  if (project.flags !== undefined && check.array(project.flags, `${path}.flags`)) {
    check.unique(project.flags, `${path}.flags`, 'key', 'flag key');
    project.flags.forEach((flag, i) => checkFlag(check, flag, `${path}.flags[${i}]`, envSlugs, segmentSlugs));
  }
}

function checkFlag(
  check: Checker,
  flag: unknown,
  path: string,
  envSlugs: ReadonlySet<string>,
  segmentSlugs: ReadonlySet<string>,
): void {
  if (
    !check.object(
      flag,
      path,
      ['key', 'type', 'defaultVariant'],
      ['name', 'description', 'variants', 'environments'],
    )
  ) {
    return;
  }
  if (check.slug(flag.key, `${path}.key`) && flag.key.length > MAX_FLAG_KEY) {
    check.fail(`${path}.key`, `must be at most ${MAX_FLAG_KEY} characters`);
  }
  if (flag.name !== undefined) check.string(flag.name, `${path}.name`);
  if (flag.description !== undefined) check.string(flag.description, `${path}.description`);
  const variants = checkVariants(check, flag, path);
  if (check.string(flag.defaultVariant, `${path}.defaultVariant`) && variants && !variants.includes(flag.defaultVariant)) {
    check.fail(`${path}.defaultVariant`, `${JSON.stringify(flag.defaultVariant)} is not one of the variants`);
  }
  if (flag.environments === undefined) return;
  const envsPath = `${path}.environments`;
  if (!isObject(flag.environments)) {
    check.fail(envsPath, `expected an object keyed by environment slug, got ${describe(flag.environments)}`);
    return;
  }
  for (const [slug, state] of Object.entries(flag.environments)) {
    const statePath = join(envsPath, slug);
    if (!envSlugs.has(slug)) check.fail(statePath, `no environment ${JSON.stringify(slug)} in this project`);
    checkFlagEnvironment(check, state, statePath, variants, segmentSlugs);
  }
}

/** Checks `variants` against the type; returns the effective list, or undefined when unusable. */
function checkVariants(check: Checker, flag: Record<string, unknown>, path: string): readonly string[] | undefined {
  const vPath = `${path}.variants`;
  if (!FLAG_TYPES.includes(flag.type as FlagType)) {
    check.fail(`${path}.type`, `expected one of ${FLAG_TYPES.join(', ')}, got ${describe(flag.type)}`);
    return undefined;
  }
  const type = flag.type as FlagType;
  if (flag.variants === undefined) {
    if (type === 'bool') return BOOL_VARIANTS;
    check.fail(vPath, `is required for ${type} flags`);
    return undefined;
  }
  if (!check.strings(flag.variants, vPath, { unique: 'variant' })) return undefined;
  const variants = flag.variants;
  if (variants.length === 0) {
    check.fail(vPath, 'must list at least one variant');
    return undefined;
  }
  let ok = true;
  variants.forEach((variant, i) => {
    const problem = variantProblem(type, variant);
    if (problem !== undefined) ok = check.fail(`${vPath}[${i}]`, problem);
    else if (type === 'json') {
      const note = ofrepNote(JSON.parse(variant));
      if (note !== undefined) check.warn(`${vPath}[${i}]`, note);
    }
  });
  if (type === 'bool' && (variants.length !== 2 || !variants.includes('true') || !variants.includes('false'))) {
    ok = check.fail(vPath, 'bool flags have exactly the variants "true" and "false"');
  }
  return ok ? variants : undefined;
}

function variantProblem(type: FlagType, variant: string): string | undefined {
  if (type === 'number' && (variant.trim() === '' || !Number.isFinite(Number(variant)))) {
    return `${JSON.stringify(variant)} is not a number (number flags use the value's text as the variant key)`;
  }
  if (type === 'json') {
    try {
      JSON.parse(variant);
    } catch {
      return `${JSON.stringify(variant)} is not valid JSON (json flags use the value's text as the variant key)`;
    }
  }
  return undefined;
}

/**
 * What OFREP clients see of a json value the OFREP schema cannot say: it has no null value (a
 * missing or null value means "use the code default" to every OFREP client), and its object value
 * excludes arrays. Cuttlegate and Rollgate serve both as they are.
 */
function ofrepNote(value: unknown): string | undefined {
  if (value === null) {
    return 'OFREP has no null value: OFREP clients get their code default for this variant (the server sends no "value"); Cuttlegate and Rollgate clients get null';
  }
  if (Array.isArray(value)) {
    return 'an array is outside OFREP\'s object value: the server sends it as it is, flagstream\'s ofrep() and the OpenFeature OFREP providers read it, a client that checks the OFREP schema rejects it';
  }
  return undefined;
}

function checkFlagEnvironment(
  check: Checker,
  state: unknown,
  path: string,
  variants: readonly string[] | undefined,
  segmentSlugs: ReadonlySet<string>,
): void {
  if (!check.object(state, path, ['enabled'], ['rules'])) return;
  check.boolean(state.enabled, `${path}.enabled`);
  if (state.rules === undefined || !check.array(state.rules, `${path}.rules`)) return;
  const priorities = new Map<number, number>();
  state.rules.forEach((rule, i) => {
    const rulePath = `${path}.rules[${i}]`;
    if (!check.object(rule, rulePath, ['priority'], ['id', 'name', 'enabled', 'conditions', 'variant', 'rollout'])) {
      return;
    }
    if (typeof rule.priority === 'number' && Number.isSafeInteger(rule.priority)) {
      const other = priorities.get(rule.priority);
      if (other !== undefined) check.fail(`${rulePath}.priority`, `priority ${rule.priority} is also used by rules[${other}]`);
      priorities.set(rule.priority, i);
    } else if (rule.priority !== undefined) {
      check.fail(`${rulePath}.priority`, `expected an integer, got ${describe(rule.priority)}`);
    }
    if (rule.id !== undefined) check.string(rule.id, `${rulePath}.id`);
    if (rule.name !== undefined) check.string(rule.name, `${rulePath}.name`);
    if (rule.enabled !== undefined) check.boolean(rule.enabled, `${rulePath}.enabled`);
    if (rule.conditions !== undefined && check.array(rule.conditions, `${rulePath}.conditions`)) {
      rule.conditions.forEach((condition, c) =>
        checkCondition(check, condition, `${rulePath}.conditions[${c}]`, segmentSlugs),
      );
    }
    checkServe(check, rule, rulePath, variants);
  });
}

/** A rule serves either one `variant` or a non-empty `rollout`. */
function checkServe(
  check: Checker,
  rule: Record<string, unknown>,
  path: string,
  variants: readonly string[] | undefined,
): void {
  const knownVariant = (value: unknown, at: string): void => {
    if (check.string(value, at) && variants && !variants.includes(value)) {
      check.fail(at, `${JSON.stringify(value)} is not one of the variants`);
    }
  };
  if (rule.variant !== undefined && rule.rollout !== undefined) {
    check.fail(path, 'a rule has either "variant" or "rollout", not both');
    return;
  }
  if (rule.variant !== undefined) {
    knownVariant(rule.variant, `${path}.variant`);
    return;
  }
  if (rule.rollout === undefined) {
    check.fail(path, 'a rule needs "variant" or "rollout"');
    return;
  }
  if (!check.array(rule.rollout, `${path}.rollout`)) return;
  if (rule.rollout.length === 0) {
    check.fail(`${path}.rollout`, 'must have at least one entry');
    return;
  }
  let sum = 0;
  let weightsOk = true;
  rule.rollout.forEach((entry, i) => {
    const entryPath = `${path}.rollout[${i}]`;
    if (!check.object(entry, entryPath, ['variant', 'weight'], [])) {
      weightsOk = false;
      return;
    }
    knownVariant(entry.variant, `${entryPath}.variant`);
    if (!Number.isSafeInteger(entry.weight) || (entry.weight as number) < 1) {
      weightsOk = check.fail(`${entryPath}.weight`, `expected an integer ≥ 1, got ${describe(entry.weight)}`);
    } else {
      sum += entry.weight as number;
    }
  });
  if (weightsOk && sum !== 100) check.fail(`${path}.rollout`, `weights sum to ${sum}, expected 100`);
}

function checkCondition(check: Checker, condition: unknown, path: string, segmentSlugs: ReadonlySet<string>): void {
  if (!check.object(condition, path, ['operator', 'values'], ['attribute'])) return;
  const operator = condition.operator;
  if (typeof operator !== 'string' || !Object.hasOwn(OPERATOR_ARITY, operator)) {
    check.fail(`${path}.operator`, `unknown operator ${describe(operator)}; expected one of ${OPERATORS.join(', ')}`);
    return;
  }
  const op = operator as Operator;
  if (condition.attribute !== undefined) check.string(condition.attribute, `${path}.attribute`);
  else if (!SEGMENT_OPERATORS.has(op)) check.fail(`${path}.attribute`, `is required for ${op}`);
  if (!check.strings(condition.values, `${path}.values`)) return;
  const values = condition.values;
  const arity = OPERATOR_ARITY[op];
  if (arity === 'some' && values.length === 0) check.fail(`${path}.values`, `${op} needs at least one value`);
  if (arity === 1 && values.length !== 1) check.fail(`${path}.values`, `${op} needs exactly one value, got ${values.length}`);
  const first = values[0];
  if (first === undefined) return;
  if (SEGMENT_OPERATORS.has(op) && !segmentSlugs.has(first)) {
    check.warn(`${path}.values[0]`, `no segment ${JSON.stringify(first)} in this project; nobody is a member`);
  }
  if (NUMERIC_OPERATORS.has(op) && (first.trim() === '' || Number.isNaN(Number(first)))) {
    check.fail(`${path}.values[0]`, `${JSON.stringify(first)} is not a number`);
  }
  if (op === 'regex') {
    try {
      compileRegex(first);
    } catch (error) {
      check.fail(`${path}.values[0]`, `invalid regular expression: ${(error as Error).message}`);
    }
  }
}

/** Paths that hold credentials: their values are described by type only, never quoted. */
const CREDENTIAL_PATH = /(^adminKey|\.apiKeys(\[\d+\])?)$/;

function describe(value: unknown, path = ''): string {
  if (CREDENTIAL_PATH.test(path) && value !== null && typeof value !== 'object') return `a ${typeof value}`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}

/** `a.b`, or `a["b-c"]` when the name is not a plain identifier. */
function join(path: string, name: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(name)) return path === '' ? name : `${path}.${name}`;
  return `${path}[${JSON.stringify(name)}]`;
}
