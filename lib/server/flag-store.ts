/**
 * The server's live flag state: the current document, compiled for evaluation, with API key
 * lookup, runtime toggles and reloads that report which flags changed.
 */
import { compileFlag, evaluateFlag, indexSegments, ruleId, type CompiledFlag, type EvalInput, type Evaluation } from './evaluator.js';
import { SEGMENT_OPERATORS, variantsOf, type FlagDoc, type FlagsDocument, type ProjectDoc } from './flags-file.js';

/** The project and environment an API key is scoped to. */
export interface KeyScope {
  project: string;
  environment: string;
}

/** A flag whose state changed in one environment; `enabled` is its state now (false when deleted). */
export interface FlagStateChange {
  /** The project's slug. */
  project: string;
  /** The environment's slug. */
  environment: string;
  /** The flag's key. */
  flagKey: string;
  /** The flag's state now. */
  enabled: boolean;
}

interface CompiledProject {
  readonly doc: ProjectDoc;
  readonly environments: ReadonlySet<string>;
  readonly flags: CompiledFlag[];
  readonly byKey: Map<string, number>;
}

/** Live state. Mutated only through {@link FlagStore.replace} and {@link FlagStore.toggle}. */
export class FlagStore {
  #document!: FlagsDocument;
  #projects = new Map<string, CompiledProject>();
  #keys = new Map<string, KeyScope>();

  constructor(document: FlagsDocument) {
    this.#load(document);
  }

  /** The current document, runtime toggles included. Treat as read-only. */
  get document(): FlagsDocument {
    return this.#document;
  }

  /** The admin key of the current document, if any. */
  get adminKey(): string | undefined {
    return this.#document.adminKey;
  }

  /** The scope of an API key, or undefined when the key is unknown. */
  scopeOf(apiKey: string): KeyScope | undefined {
    return this.#keys.get(apiKey);
  }

  hasProject(project: string): boolean {
    return this.#projects.has(project);
  }

  hasEnvironment(project: string, environment: string): boolean {
    return this.#projects.get(project)?.environments.has(environment) ?? false;
  }

  /** Every flag of the project in file order; `[]` for an unknown project. */
  evaluateAll(project: string, environment: string, input: EvalInput): Evaluation[] {
    const flags = this.#projects.get(project)?.flags ?? [];
    return flags.map((flag) => evaluateFlag(flag, environment, input));
  }

  /** One flag, or undefined when the project has no such flag. */
  evaluate(project: string, environment: string, key: string, input: EvalInput): Evaluation | undefined {
    const compiled = this.#projects.get(project);
    const index = compiled?.byKey.get(key);
    return index === undefined ? undefined : evaluateFlag(compiled!.flags[index]!, environment, input);
  }

  /**
   * Switch a flag on or off in one environment (creating its state there if needed).
   * Returns false when the project, environment or flag does not exist.
   */
  toggle(project: string, environment: string, key: string, enabled: boolean): boolean {
    const compiled = this.#projects.get(project);
    const index = compiled?.byKey.get(key);
    if (compiled === undefined || index === undefined || !compiled.environments.has(environment)) return false;
    const flag = compiled.doc.flags![index]!;
    const state = flag.environments?.[environment];
    flag.environments = { ...flag.environments, [environment]: { ...state, enabled, rules: state?.rules ?? [] } };
    compiled.flags[index] = compileFlag(flag, indexSegments(compiled.doc.segments));
    return true;
  }

  /**
   * Swap in a new validated document. Returns one change per (project, environment, flag) whose
   * definition there changed, appeared or disappeared, computed after the new state is live.
   */
  replace(document: FlagsDocument): FlagStateChange[] {
    const before = fingerprints(this.#document);
    this.#load(document);
    const after = fingerprints(document);
    const changes: FlagStateChange[] = [];
    for (const [id, print] of after) {
      if (before.get(id) !== print) changes.push(this.#change(id));
    }
    for (const id of before.keys()) {
      if (!after.has(id)) changes.push(this.#change(id));
    }
    return changes;
  }

  #change(id: string): FlagStateChange {
    const [project, environment, flagKey] = JSON.parse(id) as [string, string, string];
    const evaluation = this.evaluate(project, environment, flagKey, { userId: '', attributes: {} });
    return { project, environment, flagKey, enabled: evaluation?.enabled ?? false };
  }

  #load(document: FlagsDocument): void {
    const projects = new Map<string, CompiledProject>();
    const keys = new Map<string, KeyScope>();
    for (const doc of document.projects) {
      const segments = indexSegments(doc.segments);
      const flags = (doc.flags ?? []).map((flag) => compileFlag(flag, segments));
      projects.set(doc.slug, {
        doc,
        environments: new Set(doc.environments.map((env) => env.slug)),
        flags,
        byKey: new Map(flags.map((flag, i) => [flag.key, i])),
      });
      for (const env of doc.environments) {
        for (const apiKey of env.apiKeys ?? []) keys.set(apiKey, { project: doc.slug, environment: env.slug });
      }
    }
    this.#document = document;
    this.#projects = projects;
    this.#keys = keys;
  }
}

/**
 * `[project, environment, flag]` → a canonical text of everything that affects the flag's
 * evaluation there (type, variants, default, state, rules by priority with the id and position a
 * reason names, referenced segments).
 */
function fingerprints(document: FlagsDocument): Map<string, string> {
  const prints = new Map<string, string>();
  for (const project of document.projects) {
    const members = new Map((project.segments ?? []).map((s) => [s.slug, s.members]));
    for (const env of project.environments) {
      for (const flag of project.flags ?? []) {
        prints.set(JSON.stringify([project.slug, env.slug, flag.key]), fingerprint(flag, env.slug, members));
      }
    }
  }
  return prints;
}

function fingerprint(flag: FlagDoc, environment: string, segments: ReadonlyMap<string, string[]>): string {
  const state = flag.environments?.[environment];
  const rules = (state?.rules ?? [])
    .map((rule, index) => ({ rule, index }))
    .sort((a, b) => a.rule.priority - b.rule.priority)
    .map(({ rule, index }) => [
      // What a reason names: the rule's id and position.
      ruleId(rule, index),
      index,
      rule.priority,
      rule.enabled !== false,
      (rule.conditions ?? []).map((c) => [
        c.attribute ?? '',
        c.operator,
        c.values,
        SEGMENT_OPERATORS.has(c.operator) ? (segments.get(c.values[0] ?? '') ?? null) : null,
      ]),
      rule.variant ?? null,
      (rule.rollout ?? []).map((entry) => [entry.variant, entry.weight]),
    ]);
  return JSON.stringify([flag.type, variantsOf(flag), flag.defaultVariant, state?.enabled ?? false, rules]);
}
