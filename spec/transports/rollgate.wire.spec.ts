import { describe, expect, it } from 'vitest';
import { ConfigError, InvalidResponseError } from '../../lib/errors.js';
import { rollgate } from '../../lib/transports/rollgate/index.js';
import { eventsBody, identifyBody, mergeInit, telemetryBody, v1Results, v2Results } from '../../lib/transports/rollgate/wire.js';
import type { EvalResult } from '../../lib/types.js';

const AT = '2026-01-01T00:00:00.000Z';

describe('rollgate() options', () => {
  it('validates synchronously, naming the field, and defaults the base URL', () => {
    expect(() => rollgate({ apiKey: '' })).toThrow(new ConfigError('apiKey', 'is required (a non-empty string)'));
    expect(() => rollgate({ apiKey: 'k', baseUrl: 'ftp://x' })).toThrow(/baseUrl/);
    expect(() => rollgate({ apiKey: 'k', sseUrl: 'not a url' })).toThrow(/sseUrl/);
    expect(() => rollgate({ apiKey: 'k', watchdogMs: -1 })).toThrow(/watchdogMs/);
    expect(rollgate({ apiKey: 'k' }).kind).toBe('rollgate');
  });
});

describe('rollgate wire mapping', () => {
  it('maps v1 booleans with reasons; absent ruleIndex is 0 and inRollout false', () => {
    const results = v1Results(
      { flags: { a: true, b: false, c: true }, reasons: { a: { kind: 'RULE_MATCH', ruleId: 'r1', ruleIndex: 2, inRollout: true }, b: { kind: 'OFF' } } },
      'GET x',
      AT,
    ).flags;
    expect(results).toEqual([
      { key: 'a', enabled: true, variant: 'true', value: true, reason: 'RULE_MATCH', evaluatedAt: AT, source: 'network', details: { ruleIndex: 2, inRollout: true, ruleId: 'r1' } },
      { key: 'b', enabled: false, variant: 'false', value: false, reason: 'OFF', evaluatedAt: AT, source: 'network', details: { ruleIndex: 0, inRollout: false } },
      { key: 'c', enabled: true, variant: 'true', value: true, reason: 'UNKNOWN', evaluatedAt: AT, source: 'network', details: { ruleIndex: 0, inRollout: false } },
    ]);
  });

  it('rejects v1 bodies without a flags object of booleans', () => {
    expect(() => v1Results({ error: { message: 'x' } }, 'GET x', AT)).toThrow(InvalidResponseError);
    expect(() => v1Results({ flags: { a: 'true' } }, 'GET x', AT)).toThrow(InvalidResponseError); // no valid flag at all
    expect(() => v1Results(undefined, 'GET x', AT)).toThrow(InvalidResponseError);
  });

  it('maps v2 per type: false on a typed flag is no value; a wrong JSON type makes the flag invalid', () => {
    const { flags, typed, invalid } = v2Results(
      {
        flags: {
          s: { key: 's', type: 'string', value: 'hi', enabled: true, reason: { kind: 'FALLTHROUGH', inRollout: true } },
          off: { key: 'off', type: 'number', value: false, enabled: false, reason: { kind: 'OFF' } },
          bad: { key: 'bad', type: 'number', value: 'ten', enabled: true, reason: { kind: 'FALLTHROUGH' } },
          b: { key: 'b', type: 'boolean', value: true, enabled: true, reason: { kind: 'TARGET_MATCH' } },
        },
      },
      'GET x',
      AT,
    );
    expect(typed).toBe(true);
    const byKey = new Map(flags.map((flag) => [flag.key, flag]));
    expect(byKey.get('s')).toMatchObject({ variant: 'hi', value: 'hi', details: { inRollout: true } });
    expect(byKey.get('off')).toMatchObject({ enabled: false, variant: '', value: undefined, reason: 'OFF' });
    expect(byKey.has('bad')).toBe(false);
    expect(invalid.map((entry) => entry.key)).toEqual(['bad']);
    expect(invalid[0]!.error).toBeInstanceOf(InvalidResponseError);
    expect(byKey.get('b')).toMatchObject({ variant: 'true', value: true, reason: 'TARGET_MATCH' });
    expect(v2Results({ flags: { b: { type: 'boolean', value: false, enabled: false, reason: { kind: 'OFF' } } } }, 'GET x', AT).typed).toBe(false);
  });

  it('keeps __proto__ keys as plain flags and pollutes nothing', () => {
    const body = JSON.parse('{"flags":{"__proto__":true,"constructor":false}}') as unknown;
    const results = v1Results(body, 'GET x', AT).flags;
    expect(results.map((r) => r.key)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const identify = identifyBody({ userId: 'u', attributes: JSON.parse('{"__proto__":{"polluted":1}}') as Record<string, unknown> }, () => undefined);
    expect(JSON.stringify(identify)).toBe('{"user":{"id":"u","attributes":{"__proto__":{"polluted":1}}}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('identify sends attributes as JSON, drops what JSON cannot carry, and omits an empty e-mail', () => {
    const warnings: string[] = [];
    const body = identifyBody(
      { userId: 'u1', email: '', attributes: { plan: 'pro', age: 31, since: new Date(AT), fn: () => 1, big: 1n, tags: ['a'] } },
      (message) => warnings.push(message),
    );
    expect(JSON.parse(JSON.stringify(body))).toEqual({ user: { id: 'u1', attributes: { plan: 'pro', age: 31, since: AT, tags: ['a'] } } });
    expect(warnings).toEqual(['rollgate: attributes fn, big are not JSON values and were not sent']);
  });

  it('events and telemetry bodies: camelCase events, integer period_ms', () => {
    expect(eventsBody([{ flagKey: 'f', eventName: 'e', userId: 'u', timestamp: AT, value: 0 }])).toEqual({
      events: [{ flagKey: 'f', eventName: 'e', userId: 'u', value: 0, timestamp: AT }],
    });
    expect(telemetryBody({ evaluations: {}, periodMs: 1234.6 })).toEqual({ evaluations: {}, period_ms: 1235 });
  });

  it('an init that agrees with the last load keeps its full results; a changed boolean is corrected, a typed one loses its value', () => {
    const known = new Map<string, EvalResult>([
      ['a', { key: 'a', enabled: true, variant: 'true', value: true, reason: 'FALLTHROUGH', evaluatedAt: AT, source: 'network' }],
      ['s', { key: 's', enabled: true, variant: 'hi', value: 'hi', reason: 'RULE_MATCH', evaluatedAt: AT, source: 'network', details: { type: 'string' } }],
    ]);
    const same = mergeInit(known, new Map([['a', true], ['s', true]]), AT);
    expect(same.changed).toBe(false);
    expect(same.flags).toEqual([known.get('a'), known.get('s')]);
    const changed = mergeInit(known, new Map([['a', false], ['s', false]]), AT);
    expect(changed.changed).toBe(true);
    // Without a reason, false may mean "out of rollout": the flag stays switched on as last known.
    expect(changed.flags[0]).toMatchObject({ enabled: true, value: false, variant: 'false', reason: 'UNKNOWN' });
    expect(changed.flags[1]).toMatchObject({ enabled: true, value: undefined, variant: '' });
    expect(mergeInit(known, new Map([['a', true]]), AT).changed).toBe(true); // a flag went away
  });

  it.each([
    ['type: 7', { type: 7 }, 'type'],
    ['enabled as a string', { enabled: 'yes' }, 'enabled'],
    ['a number value on a string flag', { type: 'string', value: 7 }, 'value'],
    ['an object value on a boolean flag', { type: 'boolean', value: { on: true } }, 'value'],
    ['a reason kind of 0', { reason: { kind: 0 } }, 'reason.kind'],
    ['a fractional ruleIndex', { reason: { kind: 'RULE_MATCH', ruleIndex: 1.5 } }, 'reason.ruleIndex'],
    ['a key other than its map key', { key: 'other' }, 'key'],
  ])('v2: a flag with %s goes to invalid and the rest applies', (_name, patch, field) => {
    const good = { key: 'g', type: 'boolean', value: true, enabled: true, reason: { kind: 'FALLTHROUGH' } };
    const { flags, invalid } = v2Results({ flags: { g: good, x: { ...good, key: 'x', ...patch } } }, 'GET x', AT);
    expect(flags.map((flag) => flag.key)).toEqual(['g']);
    expect(invalid).toHaveLength(1);
    expect(invalid[0]!.key).toBe('x');
    expect(invalid[0]!.error.message).toContain(`"x": ${field}`);
  });

  it('v1: a non-boolean entry or a malformed reason goes to invalid; a reasons field that is not an object throws', () => {
    const { flags, invalid } = v1Results({ flags: { a: true, b: 1, c: false }, reasons: { c: { kind: 'OFF', inRollout: 'no' } } }, 'GET x', AT);
    expect(flags.map((flag) => flag.key)).toEqual(['a']);
    expect(invalid.map((entry) => entry.key)).toEqual(['b', 'c']);
    expect(() => v1Results({ flags: { a: true }, reasons: [1] }, 'GET x', AT)).toThrow(InvalidResponseError);
  });

  it('enabled means switched on: OFF is disabled, any other reason enabled whatever the boolean', () => {
    const { flags } = v1Results({ flags: { r: false, o: false, t: true }, reasons: { r: { kind: 'FALLTHROUGH' }, o: { kind: 'OFF' } } }, 'GET x', AT);
    expect(flags.map((flag) => [flag.key, flag.enabled, flag.value])).toEqual([
      ['r', true, false],
      ['o', false, false],
      ['t', true, true],
    ]);
  });
});
