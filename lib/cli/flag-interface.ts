/**
 * The TypeScript flags interface `flagstream types` writes: from a flags file's declarations, or
 * from a live bulk evaluation. Pure text; deterministic (keys sorted, no timestamps).
 */
import type { FlagDoc, FlagsDocument, FlagType, ProjectDoc } from '../server/flags-file.js';
import { ProjectNotFoundError } from '../errors.js';
import type { EvalResult, JsonValue } from '../types.js';
import { UsageError } from './command.js';

/** One flag as the interface declares it. */
export interface DeclaredFlag {
  key: string;
  /** The TypeScript type of its value. */
  type: string;
  /** A doc comment (the flag's description or name), if any. */
  doc?: string;
}

/** The project of `document` to type: `slug`, else the only one; a clear error otherwise. */
export function chooseProject(document: FlagsDocument, slug: string | undefined, file: string): ProjectDoc {
  const slugs = document.projects.map((project) => project.slug);
  if (slug === undefined) {
    if (document.projects.length === 1) return document.projects[0]!;
    throw new UsageError(
      document.projects.length === 0
        ? `${file} has no projects`
        : `${file} has ${slugs.length} projects (${slugs.join(', ')}): choose one with --project <slug>`,
    );
  }
  const found = document.projects.find((project) => project.slug === slug);
  if (found) return found;
  throw new ProjectNotFoundError(`project not found: "${slug}" in ${file} (its projects: ${slugs.join(', ') || 'none'})`);
}

/**
 * The declared flags of a project: bool → `boolean`; string → the union of its variants as literal
 * types (`string` without variants); number → `number`; json → the union of its variants' shapes
 * (values widened to their types, so `{"steps":3}` gives `{ steps: number }`).
 */
export function declaredFromFile(project: ProjectDoc): DeclaredFlag[] {
  return (project.flags ?? []).map((flag) => {
    const doc = flag.description ?? (flag.name !== undefined && flag.name !== flag.key ? flag.name : undefined);
    return { key: flag.key, type: typeOfDeclared(flag), ...(doc ? { doc } : {}) };
  });
}

function typeOfDeclared(flag: FlagDoc): string {
  const variants = flag.variants ?? [];
  switch (flag.type) {
    case 'bool':
      return 'boolean';
    case 'number':
      return 'number';
    case 'string':
      return variants.length === 0 ? 'string' : union(variants.map(quote));
    case 'json':
      return variants.length === 0 ? 'unknown' : union(variants.map((variant) => shapeOf(parsed(variant))));
  }
}

/**
 * The flags of a live evaluation: the type the server names (`details.type`, Cuttlegate and
 * Rollgate), else the value's own. Evaluations carry no variants, so string flags are `string` and
 * JSON flags have the shape of the value served.
 */
export function declaredFromResults(results: readonly EvalResult[]): DeclaredFlag[] {
  return results.map((result) => ({ key: result.key, type: typeOfServed(result) }));
}

function typeOfServed(result: EvalResult): string {
  const named = result.details?.type;
  const kind: FlagType | undefined = named === 'bool' || named === 'string' || named === 'number' || named === 'json' ? named : undefined;
  if (kind === 'bool') return 'boolean';
  if (kind === 'string' || kind === 'number') return kind;
  if (result.value === undefined) return 'unknown';
  return shapeOf(result.value);
}

/** The whole file: `header` as `//` lines, then `export interface <name> { … }`, keys sorted. */
export function renderInterface(flags: readonly DeclaredFlag[], header: readonly string[], name = 'Flags', doc?: string): string {
  const members = [...flags].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const lines = header.map((line) => `// ${line}`.trimEnd());
  lines.push('');
  if (doc) lines.push(`/** ${comment(doc)} */`);
  lines.push(`export interface ${name} {`);
  for (const flag of members) {
    if (flag.doc) lines.push(`  /** ${comment(flag.doc)} */`);
    lines.push(`  ${propertyName(flag.key)}: ${flag.type};`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** The type of a JSON value, widened: `{"a":[1,"x"]}` → `{ a: (number | string)[] }`. */
function shapeOf(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    if (value.length === 0) return 'unknown[]';
    const element = union(value.map(shapeOf));
    return element.includes(' | ') ? `(${element})[]` : `${element}[]`;
  }
  if (typeof value === 'object') {
    const keys = Object.keys(value).sort();
    if (keys.length === 0) return 'Record<string, never>';
    return `{ ${keys.map((key) => `${propertyName(key)}: ${shapeOf(value[key]!)}`).join('; ')} }`;
  }
  return typeof value;
}

/** A json flag's variant key is the value's text; one that does not parse (validation rejects it) is a string. */
function parsed(variant: string): JsonValue {
  try {
    return JSON.parse(variant) as JsonValue;
  } catch {
    return variant;
  }
}

/** Distinct members, sorted, joined with ` | `. */
function union(types: readonly string[]): string {
  return [...new Set(types)].sort().join(' | ');
}

/** A property name as written: bare when it is an identifier, else a string literal. */
function propertyName(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : quote(key);
}

/** A string literal (type), escaped as JSON escapes it. */
function quote(text: string): string {
  return JSON.stringify(text);
}

/** Text safe inside a `/** … *\/` comment on one line. */
function comment(text: string): string {
  return text.replace(/\*\//g, '*\\/').replace(/\s+/g, ' ').trim();
}
