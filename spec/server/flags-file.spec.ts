import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FlagstreamError } from '../../lib/errors.js';
import { FlagsFileError, formatIssue, validateFlagsDocument, variantsOf } from '../../lib/server/flags-file.js';
import { parseFlagsText, readFlagsFile } from '../../lib/server/load.js';

/** A small valid document; each test breaks one thing in a copy. */
function doc(): any {
  return {
    adminKey: 'dev-admin-key',
    projects: [
      {
        slug: 'demo',
        environments: [{ slug: 'production', apiKeys: ['cg_prod'] }, { slug: 'staging' }],
        segments: [{ slug: 'beta', members: ['u1'] }],
        flags: [
          { key: 'dark-mode', type: 'bool', defaultVariant: 'false', environments: { production: { enabled: true } } },
          { key: 'banner', type: 'string', variants: ['red', 'green'], defaultVariant: 'red' },
          {
            key: 'max-items',
            type: 'number',
            variants: ['10', '50'],
            defaultVariant: '10',
            environments: {
              production: {
                enabled: true,
                rules: [
                  { priority: 1, conditions: [{ attribute: 'plan', operator: 'eq', values: ['pro'] }], variant: '50' },
                  { priority: 2, rollout: [{ variant: '10', weight: 40 }, { variant: '50', weight: 60 }] },
                ],
              },
            },
          },
        ],
      },
    ],
  };
}

/** The issues reported for a document, as `path: message` lines. */
function issuesOf(value: unknown): string[] {
  try {
    validateFlagsDocument(value);
  } catch (error) {
    expect(error).toBeInstanceOf(FlagsFileError);
    return (error as FlagsFileError).issues.map(formatIssue);
  }
  return [];
}

describe('validateFlagsDocument', () => {
  it('accepts a valid document and returns a deep copy', () => {
    const input = doc();
    const { document, warnings } = validateFlagsDocument(input);
    expect(document).toEqual(input);
    expect(document).not.toBe(input);
    expect(warnings).toEqual([]);
  });

  it('accepts the shipped example file', async () => {
    const { document, warnings } = await readFlagsFile('examples/flags.json');
    expect(warnings).toEqual([]);
    expect(document.projects[0]?.environments.map((e) => e.slug)).toEqual(['production', 'staging']);
    expect(document.projects[0]?.flags?.map((f) => f.type)).toEqual(expect.arrayContaining(['bool', 'string', 'number', 'json']));
  });

  it('names the path of a default variant that is not a variant', () => {
    const d = doc();
    d.projects[0].flags[1].defaultVariant = 'blue';
    expect(issuesOf(d)).toEqual(['projects[0].flags[1].defaultVariant: "blue" is not one of the variants']);
  });

  it('collects every violation, not just the first', () => {
    const d = doc();
    d.projects[0].flags[0].type = 'boolean';
    d.projects[0].flags[1].colour = 'x';
    d.projects[0].flags[2].environments.production.rules[1].rollout[0].weight = 30;
    d.projects[0].flags[2].environments.production.rules[0].conditions[0].operator = 'equals';
    expect(issuesOf(d)).toEqual([
      'projects[0].flags[0].type: expected one of bool, string, number, json, got "boolean"',
      'projects[0].flags[1].colour: unknown field',
      expect.stringMatching(/^projects\[0\]\.flags\[2\]\.environments\.production\.rules\[0\]\.conditions\[0\]\.operator: unknown operator "equals"/),
      'projects[0].flags[2].environments.production.rules[1].rollout: weights sum to 90, expected 100',
    ]);
  });

  it.each<[string, (d: any) => void, string]>([
    ['a missing projects array', (d) => delete d.projects, 'projects: is required'],
    ['a bad project slug', (d) => (d.projects[0].slug = 'Demo'), 'projects[0].slug: "Demo" must match ^[a-z0-9][a-z0-9-]*$'],
    ['a duplicate environment', (d) => (d.projects[0].environments[1].slug = 'production'), 'projects[0].environments[1].slug: duplicate environment slug "production"'],
    ['a duplicate flag key', (d) => (d.projects[0].flags[1].key = 'dark-mode'), 'projects[0].flags[1].key: duplicate flag key "dark-mode"'],
    ['a too long flag key', (d) => (d.projects[0].flags[1].key = 'k'.repeat(129)), 'projects[0].flags[1].key: must be at most 128 characters'],
    ['an API key used twice', (d) => (d.projects[0].environments[1].apiKeys = ['cg_prod']), 'projects[0].environments[1].apiKeys[0]: API key already used by projects[0].environments[0].apiKeys[0]'],
    ['an unknown environment in a flag', (d) => (d.projects[0].flags[1].environments = { 'eu-west': { enabled: true } }), 'projects[0].flags[1].environments["eu-west"]: no environment "eu-west" in this project'],
    ['missing variants on a string flag', (d) => delete d.projects[0].flags[1].variants, 'projects[0].flags[1].variants: is required for string flags'],
    ['duplicate variants', (d) => (d.projects[0].flags[1].variants = ['red', 'red']), 'projects[0].flags[1].variants[1]: duplicate variant "red"'],
    ['a number variant that is not a number', (d) => (d.projects[0].flags[2].variants = ['10', 'ten']), 'projects[0].flags[2].variants[1]: "ten" is not a number (number flags use the value\'s text as the variant key)'],
    ['bool variants other than true/false', (d) => (d.projects[0].flags[0].variants = ['on', 'off']), 'projects[0].flags[0].variants: bool flags have exactly the variants "true" and "false"'],
    ['a non-boolean enabled', (d) => (d.projects[0].flags[0].environments.production.enabled = 'yes'), 'projects[0].flags[0].environments.production.enabled: expected true or false, got "yes"'],
    ['duplicate rule priorities', (d) => (d.projects[0].flags[2].environments.production.rules[1].priority = 1), 'projects[0].flags[2].environments.production.rules[1].priority: priority 1 is also used by rules[0]'],
    ['a rule variant that is not a variant', (d) => (d.projects[0].flags[2].environments.production.rules[0].variant = '99'), 'projects[0].flags[2].environments.production.rules[0].variant: "99" is not one of the variants'],
    ['a rule with neither variant nor rollout', (d) => delete d.projects[0].flags[2].environments.production.rules[0].variant, 'projects[0].flags[2].environments.production.rules[0]: a rule needs "variant" or "rollout"'],
    ['a rule with both', (d) => (d.projects[0].flags[2].environments.production.rules[1].variant = '10'), 'projects[0].flags[2].environments.production.rules[1]: a rule has either "variant" or "rollout", not both'],
    ['a zero weight', (d) => (d.projects[0].flags[2].environments.production.rules[1].rollout = [{ variant: '10', weight: 0 }, { variant: '50', weight: 100 }]), 'projects[0].flags[2].environments.production.rules[1].rollout[0].weight: expected an integer ≥ 1, got number 0'],
    ['a number attribute value', (d) => (d.projects[0].flags[2].environments.production.rules[0].conditions[0].values = [5]), 'projects[0].flags[2].environments.production.rules[0].conditions[0].values[0]: expected a string, got number 5'],
    ['eq with two values', (d) => (d.projects[0].flags[2].environments.production.rules[0].conditions[0].values = ['a', 'b']), 'projects[0].flags[2].environments.production.rules[0].conditions[0].values: eq needs exactly one value, got 2'],
    ['a missing attribute', (d) => delete d.projects[0].flags[2].environments.production.rules[0].conditions[0].attribute, 'projects[0].flags[2].environments.production.rules[0].conditions[0].attribute: is required for eq'],
    ['a non-numeric gt value', (d) => Object.assign(d.projects[0].flags[2].environments.production.rules[0].conditions[0], { operator: 'gt', values: ['lots'] }), 'projects[0].flags[2].environments.production.rules[0].conditions[0].values[0]: "lots" is not a number'],
    ['an admin key that is also an API key', (d) => (d.adminKey = 'cg_prod'), 'adminKey: is also an API key of projects[0].environments[0].apiKeys[0]'],
    ['an array as document', (d) => void d, ''],
  ])('reports %s', (_name, breakIt, expected) => {
    if (expected === '') {
      expect(issuesOf([])).toEqual(['(root): expected an object, got an array']);
      return;
    }
    const d = doc();
    breakIt(d);
    expect(issuesOf(d)).toEqual([expected]);
  });

  it('reports an invalid regular expression', () => {
    const d = doc();
    Object.assign(d.projects[0].flags[2].environments.production.rules[0].conditions[0], { operator: 'regex', values: ['(unclosed'] });
    expect(issuesOf(d)).toEqual([
      expect.stringMatching(/^projects\[0\]\.flags\[2\]\.environments\.production\.rules\[0\]\.conditions\[0\]\.values\[0\]: invalid regular expression: /),
    ]);
  });

  it('allows $schema, descriptions, names, rule ids and segment conditions without an attribute', () => {
    const d = doc();
    d.$schema = '../schema/flags.schema.json';
    d.projects[0].flags[0].description = 'Dark theme';
    d.projects[0].flags[0].name = 'Dark mode';
    d.projects[0].flags[0].environments.production.rules = [
      { id: 'r1', name: 'beta', priority: 1, enabled: false, conditions: [{ operator: 'in_segment', values: ['beta'] }], variant: 'true' },
    ];
    expect(issuesOf(d)).toEqual([]);
  });

  it('warns, without failing, about unknown segments and keys without the cg_ prefix', () => {
    const d = doc();
    d.projects[0].environments[1].apiKeys = ['local-key'];
    d.projects[0].flags[0].environments.production.rules = [{ priority: 1, conditions: [{ operator: 'in_segment', values: ['nobody'] }], variant: 'true' }];
    const { warnings } = validateFlagsDocument(d);
    expect(warnings.map(formatIssue)).toEqual([
      'projects[0].environments[1].apiKeys[0]: API keys normally start with "cg_"',
      'projects[0].flags[0].environments.production.rules[0].conditions[0].values[0]: no segment "nobody" in this project; nobody is a member',
    ]);
  });

  it('warns, without failing, about json variants OFREP cannot say: null (a code default there) and arrays (outside its object value)', () => {
    const d = doc();
    d.projects[0].flags.push({ key: 'layout', type: 'json', variants: ['{"cols":3}', 'null', '[1,2]'], defaultVariant: 'null' });
    const { warnings } = validateFlagsDocument(d);
    expect(warnings.map(formatIssue)).toEqual([
      'projects[0].flags[3].variants[1]: OFREP has no null value: OFREP clients get their code default for this variant (the server sends no "value"); Cuttlegate and Rollgate clients get null',
      'projects[0].flags[3].variants[2]: an array is outside OFREP\'s object value: the server sends it as it is, flagstream\'s ofrep() and the OpenFeature OFREP providers read it, a client that checks the OFREP schema rejects it',
    ]);
  });

  it('is a FlagstreamError whose message lists every issue', () => {
    const d = doc();
    d.projects[0].flags[1].defaultVariant = 'blue';
    const error = (() => {
      try {
        validateFlagsDocument(d, 'flags.json');
      } catch (e) {
        return e as FlagsFileError;
      }
    })();
    expect(error).toBeInstanceOf(FlagstreamError);
    expect(error?.file).toBe('flags.json');
    expect(error?.message).toBe('invalid flags file flags.json:\n  projects[0].flags[1].defaultVariant: "blue" is not one of the variants');
  });

  it('gives bool flags the implicit variants', () => {
    expect(variantsOf({ type: 'bool' })).toEqual(['true', 'false']);
    expect(variantsOf({ type: 'string', variants: ['a'] })).toEqual(['a']);
  });
});

describe('reading files', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('reports a JSON syntax error with the engine\'s description', () => {
    expect(() => parseFlagsText('{\n  "projects": [,]\n}', 'f.json')).toThrow(/^invalid flags file f\.json:\n  \(root\): invalid JSON: .*','/);
  });

  it('never quotes a key: a JSON syntax error says where, a wrong-typed key says what type', () => {
    const KEY = 'cg_demo_production_0123456789abcdefghijklmnopqrstuvwx';
    const fragments = (message: string): string[] => [...Array(KEY.length - 3).keys()].map((i) => KEY.slice(i, i + 4)).filter((f) => message.includes(f));
    // A trailing comma after the last key: the engine quotes the 10 characters before it.
    const text = `{\n  "projects": [{ "slug": "demo", "environments": [{ "slug": "prod", "apiKeys": ["${KEY}",] }] }]\n}`;
    let message = '';
    try {
      parseFlagsText(text, 'f.json');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/invalid JSON: Unexpected token '\]'.* \(line 2, column 137\)$/);
    expect(fragments(message)).toEqual([]);
    const wrong = doc();
    wrong.adminKey = 42;
    wrong.projects[0].environments[0].apiKeys = KEY;
    wrong.projects[0].environments[1].apiKeys = [42];
    const issues = issuesOf(wrong).join('\n');
    expect(issues).toContain('projects[0].environments[0].apiKeys: expected an array, got a string');
    expect(issues).toContain('projects[0].environments[1].apiKeys[0]: expected a string, got a number');
    expect(issues).toContain('adminKey: expected a string, got a number');
    expect(issues).not.toContain('42');
    expect(fragments(issues)).toEqual([]);
  });

  it('accepts a byte-order mark and returns the text read', async () => {
    dir = await mkdtemp(join(tmpdir(), 'flags-'));
    const file = join(dir, 'flags.json');
    const text = `\ufeff${JSON.stringify(doc())}`;
    await writeFile(file, text);
    const loaded = await readFlagsFile(file);
    expect(loaded.text).toBe(text);
    expect(loaded.document.projects[0]?.slug).toBe('demo');
  });
});
