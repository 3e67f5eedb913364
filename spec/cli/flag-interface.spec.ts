import { describe, expect, it } from 'vitest';
import { declaredFromFile, declaredFromResults, renderInterface } from '../../lib/cli/flag-interface.js';
import { valueResult } from '../../lib/client/state/results.js';
import type { EvalResult, JsonValue } from '../../lib/types.js';

const at = '2026-01-01T00:00:00.000Z';
const served = (key: string, value: JsonValue, type?: string): EvalResult => {
  const result = valueResult(key, value, 'network', at);
  return type === undefined ? result : { ...result, details: { type } };
};

describe('the generated flags interface', () => {
  it('quotes every key that is not an identifier (nested ones too) and keeps doc comments on one safe line', () => {
    const text = renderInterface(
      [
        { key: 'plain_id', type: 'boolean' },
        { key: 'it\'s "quoted"\\', type: 'number', doc: 'ends a comment */ early\nand wraps' },
        { key: '1st', type: 'string' },
      ],
      ['header'],
    );
    expect(text).toBe(
      [
        '// header',
        '',
        'export interface Flags {',
        '  "1st": string;',
        '  /** ends a comment *\\/ early and wraps */',
        '  "it\'s \\"quoted\\"\\\\": number;',
        '  plain_id: boolean;',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('types json flags by the union of their variants\' shapes, widened and sorted; string flags by their variants', () => {
    const flags = declaredFromFile({
      slug: 'p',
      environments: [],
      flags: [
        { key: 'layout', type: 'json', variants: ['{"cols":2,"tags":["a"]}', '{"cols":3,"tags":["b"]}', '{"rows":[1,"x"],"x-y":null}', '[]'], defaultVariant: '[]' },
        { key: 'tone', type: 'string', variants: ['warm', 'cold'], defaultVariant: 'warm' },
        { key: 'free', type: 'string', defaultVariant: '' },
      ],
    });
    expect(flags).toEqual([
      { key: 'layout', type: 'unknown[] | { cols: number; tags: string[] } | { rows: (number | string)[]; "x-y": null }' },
      { key: 'tone', type: '"cold" | "warm"' },
      { key: 'free', type: 'string' },
    ]);
  });

  it('types a live evaluation by the type the server names, else by the value served', () => {
    expect(declaredFromResults([served('a', true, 'bool'), served('b', 'x', 'string'), served('c', 3), served('d', { k: [true] }, 'json'), served('e', 'y')])).toEqual([
      { key: 'a', type: 'boolean' },
      { key: 'b', type: 'string' },
      { key: 'c', type: 'number' },
      { key: 'd', type: '{ k: boolean[] }' },
      { key: 'e', type: 'string' },
    ]);
  });
});
