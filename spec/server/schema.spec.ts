import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FLAG_TYPES, OPERATORS } from '../../lib/server/flags-file.js';
import { demoFlags } from './fixtures.js';

type Schema = Record<string, any>;
const schema = JSON.parse(readFileSync('schema/flags.schema.json', 'utf8')) as Schema;

/**
 * A checker for the JSON Schema keywords the flags schema uses (enough to prove the schema
 * accepts good documents and rejects bad ones). Returns the instance paths that fail.
 */
function violations(node: Schema, value: unknown, path = ''): string[] {
  const out: string[] = [];
  const fail = (why: string): void => void out.push(`${path || '(root)'}: ${why}`);
  if (node.$ref !== undefined) out.push(...violations(schema.$defs[(node.$ref as string).replace('#/$defs/', '')], value, path));
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  const types: Record<string, boolean> = {
    object: isObject,
    array: Array.isArray(value),
    string: typeof value === 'string',
    boolean: typeof value === 'boolean',
    integer: Number.isInteger(value),
  };
  if (node.type !== undefined && !types[node.type]) fail(`not ${node.type}`);
  if (node.enum !== undefined && !node.enum.includes(value)) fail('not in enum');
  if (node.const !== undefined && node.const !== value) fail('not const');
  if (typeof value === 'string') {
    if (node.pattern !== undefined && !new RegExp(node.pattern).test(value)) fail('pattern');
    if (node.minLength !== undefined && value.length < node.minLength) fail('minLength');
    if (node.maxLength !== undefined && value.length > node.maxLength) fail('maxLength');
  }
  if (typeof value === 'number') {
    if (node.minimum !== undefined && value < node.minimum) fail('minimum');
    if (node.maximum !== undefined && value > node.maximum) fail('maximum');
  }
  if (Array.isArray(value)) {
    if (node.minItems !== undefined && value.length < node.minItems) fail('minItems');
    if (node.maxItems !== undefined && value.length > node.maxItems) fail('maxItems');
    if (node.uniqueItems && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) fail('uniqueItems');
    if (node.items !== undefined) value.forEach((item, i) => out.push(...violations(node.items, item, `${path}[${i}]`)));
  }
  if (isObject) {
    const object = value as Record<string, unknown>;
    for (const name of node.required ?? []) if (!(name in object)) fail(`missing ${name}`);
    for (const [name, child] of Object.entries(object)) {
      const sub = node.properties?.[name] ?? (node.additionalProperties === false ? undefined : node.additionalProperties);
      if (node.additionalProperties === false && node.properties?.[name] === undefined) fail(`unknown ${name}`);
      else if (typeof sub === 'object') out.push(...violations(sub, child, `${path}.${name}`));
    }
  }
  for (const part of node.allOf ?? []) out.push(...violations(part, value, path));
  if (node.oneOf !== undefined && node.oneOf.filter((part: Schema) => violations(part, value, path).length === 0).length !== 1) {
    fail('oneOf');
  }
  if (node.if !== undefined) {
    const branch = violations(node.if, value, path).length === 0 ? node.then : node.else;
    if (branch !== undefined) out.push(...violations(branch, value, path));
  }
  return out;
}

describe('schema/flags.schema.json', () => {
  it('lists the same operators and flag types as the loader', () => {
    expect(schema.$defs.condition.properties.operator.enum).toEqual([...OPERATORS]);
    expect(schema.$defs.flag.properties.type.enum).toEqual([...FLAG_TYPES]);
  });

  it('accepts the example file and the spec fixture', () => {
    expect(violations(schema, JSON.parse(readFileSync('examples/flags.json', 'utf8')))).toEqual([]);
    expect(violations(schema, demoFlags())).toEqual([]);
  });

  it.each<[string, (d: any) => void, string]>([
    ['an unknown top-level field', (d) => (d.colour = 1), '(root): unknown colour'],
    ['a bad slug', (d) => (d.projects[0].slug = 'Demo'), '.projects[0].slug: pattern'],
    ['an unknown type', (d) => (d.projects[0].flags[0].type = 'boolean'), '.projects[0].flags[0].type: not in enum'],
    ['a string flag without variants', (d) => delete d.projects[0].flags[1].variants, '.projects[0].flags[1]: missing variants'],
    ['a rule with both variant and rollout', (d) => (d.projects[0].flags[0].environments.production.rules[0].rollout = [{ variant: 'true', weight: 100 }]), '.projects[0].flags[0].environments.production.rules[0]: oneOf'],
    ['an unknown operator', (d) => (d.projects[0].flags[0].environments.production.rules[0].conditions[0].operator = 'equals'), '.projects[0].flags[0].environments.production.rules[0].conditions[0].operator: not in enum'],
    ['a missing attribute on eq', (d) => delete d.projects[0].flags[0].environments.production.rules[0].conditions[0].attribute, '.projects[0].flags[0].environments.production.rules[0].conditions[0]: missing attribute'],
    ['a zero weight', (d) => (d.projects[0].flags[0].environments.production.rules[0] = { priority: 1, rollout: [{ variant: 'true', weight: 0 }] }), '.projects[0].flags[0].environments.production.rules[0].rollout[0].weight: minimum'],
  ])('rejects %s', (_name, breakIt, expected) => {
    const d = demoFlags();
    breakIt(d);
    expect(violations(schema, d)).toContain(expected);
  });
});
