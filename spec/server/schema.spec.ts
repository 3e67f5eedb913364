import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FLAG_TYPES, OPERATORS } from '../../lib/server/flags-file.js';
import { schemaViolations, type Schema } from '../support/json-schema.js';
import { demoFlags } from './fixtures.js';

const schema = JSON.parse(readFileSync('schema/flags.schema.json', 'utf8')) as Schema;
const violations = (value: unknown): string[] => schemaViolations(schema, value);

describe('schema/flags.schema.json', () => {
  it('lists the same operators and flag types as the loader', () => {
    expect(schema.$defs.condition.properties.operator.enum).toEqual([...OPERATORS]);
    expect(schema.$defs.flag.properties.type.enum).toEqual([...FLAG_TYPES]);
  });

  it('accepts the example file and the spec fixture', () => {
    expect(violations(JSON.parse(readFileSync('examples/flags.json', 'utf8')))).toEqual([]);
    expect(violations(demoFlags())).toEqual([]);
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
    expect(violations(d)).toContain(expected);
  });
});
