import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidResponseError } from '../../lib/errors.js';
import { bulkResults, changeMessages, toEvalResult } from '../../lib/transports/cuttlegate/wire.js';
import { bulkFlags, parseStreamEvent } from '../../lib/transports/ofrep/wire.js';
import { changedKey, mergeInit, parseInitFlags, v1Results, v2Results } from '../../lib/transports/rollgate/wire.js';
import type { EvalResult } from '../../lib/types.js';
import { isRecord } from '../../lib/transports/values.js';

const AT = '2026-01-01T00:00:00Z';
const runs = { numRuns: 300 };

/** Runs `decode`; it may return or throw `InvalidResponseError`, never anything else. */
function decodesOrRejects<T>(decode: () => T): T | undefined {
  try {
    return decode();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidResponseError);
    return undefined;
  }
}

/** A JSON value: undefined is not one, numbers are finite, objects are plain. */
function isJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJson);
  if (typeof value === 'object') return Object.values(value as object).every(isJson);
  return false;
}

function expectWellTyped(results: EvalResult[]): void {
  const keys = new Set<string>();
  for (const result of results) {
    expect(typeof result.key).toBe('string');
    expect(keys.has(result.key)).toBe(false);
    keys.add(result.key);
    expect(typeof result.enabled).toBe('boolean');
    expect(typeof result.variant).toBe('string');
    expect(result.value === undefined || isJson(result.value)).toBe(true);
    expect(typeof result.reason).toBe('string');
    expect(typeof result.evaluatedAt).toBe('string');
    expect(result.source).toBe('network');
    expect(result.errorCode === undefined || typeof result.errorCode === 'string').toBe(true);
    if (result.details !== undefined) expect(isJson(result.details)).toBe(true);
  }
}

/** Replaces one field of `base` with an arbitrary JSON value, or deletes it. */
function mutated(base: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<unknown> {
  return fc.tuple(base, fc.nat(), fc.option(fc.jsonValue(), { nil: undefined })).map(([record, index, value]) => {
    const keys = Object.keys(record);
    const copy: Record<string, unknown> = { ...record };
    const key = keys[index % keys.length]!;
    if (value === undefined) delete copy[key];
    else copy[key] = value;
    return copy;
  });
}

const flagKey = fc.oneof(fc.string({ minLength: 1 }), fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString'));

const cuttlegateFlag = fc.record({
  key: flagKey,
  enabled: fc.boolean(),
  value: fc.option(fc.string(), { nil: null }),
  value_key: fc.oneof(fc.string(), fc.constantFrom('true', 'false', '25', '{"a":1}')),
  reason: fc.constantFrom('disabled', 'default', 'rule_match'),
  type: fc.constantFrom('bool', 'string', 'number', 'json'),
});

const reason = fc.record(
  { kind: fc.constantFrom('OFF', 'TARGET_MATCH', 'RULE_MATCH', 'FALLTHROUGH'), ruleId: fc.string(), ruleIndex: fc.nat(), inRollout: fc.boolean() },
  { requiredKeys: ['kind'] },
);

const rollgateTypedFlag = fc.oneof(
  fc.record({ type: fc.constant('boolean'), value: fc.boolean(), enabled: fc.boolean(), reason }),
  fc.record({ type: fc.constant('string'), value: fc.oneof(fc.string(), fc.constant(false)), enabled: fc.boolean(), reason }),
  fc.record({ type: fc.constant('number'), value: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(false)), enabled: fc.boolean(), reason }),
  fc.record({ type: fc.constant('json'), value: fc.jsonValue(), enabled: fc.boolean(), reason }),
);

/** A `flags` map from keys to entries (keys may be `__proto__` and friends: built as JSON text). */
function flagsMap(entry: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc
    .array(fc.tuple(flagKey, entry), { maxLength: 8 })
    .map((pairs) => JSON.parse(`{"flags":{${pairs.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value ?? null)}`).join(',')}}}`) as unknown);
}

describe('wire decoders under random and mutated payloads', () => {
  it('cuttlegate bulk: only InvalidResponseError, well-typed results, every entry accounted for', () => {
    const payload = fc.oneof(
      fc.jsonValue(),
      fc.record({ flags: fc.array(fc.oneof(cuttlegateFlag, mutated(cuttlegateFlag), fc.jsonValue()), { maxLength: 8 }), evaluated_at: fc.jsonValue() }),
    );
    fc.assert(
      fc.property(payload, (body) => {
        const mapped = decodesOrRejects(() => bulkResults(body, 'POST x', AT));
        if (!mapped) return;
        expectWellTyped(mapped.flags);
        for (const entry of mapped.invalid) expect(entry.error).toBeInstanceOf(InvalidResponseError);
        // Every entry is a flag or rejected, but a repeated key's later entries, which are skipped.
        const entries = (body as { flags: unknown[] }).flags;
        const keys = entries.map((entry, index) => (isRecord(entry) && typeof entry.key === 'string' && entry.key !== '' ? entry.key : `#${index}`));
        expect(mapped.flags.length + mapped.invalid.length).toBe(new Set(keys).size);
      }),
      runs,
    );
  });

  it('cuttlegate single flag: only InvalidResponseError, a well-typed result', () => {
    fc.assert(
      fc.property(fc.oneof(cuttlegateFlag, mutated(cuttlegateFlag), fc.jsonValue()), (raw) => {
        const result = decodesOrRejects(() => toEvalResult(raw, AT, 'POST x'));
        if (result) expectWellTyped([result]);
      }),
      runs,
    );
  });

  it('cuttlegate stream events: never throw; fields present have their types', () => {
    const text = fc.oneof(fc.string(), fc.jsonValue().map((value) => JSON.stringify(value)), mutated(fc.record({ type: fc.constant('flag.state_changed'), flag_key: fc.string(), enabled: fc.boolean() })).map((v) => JSON.stringify(v)));
    fc.assert(
      fc.property(text, (data) => {
        const messages = changeMessages(data);
        if (!messages) return;
        for (const message of messages) {
          expect(message.type).toBe('changed');
          if (message.type !== 'changed') continue;
          expect(message.key === undefined || typeof message.key === 'string').toBe(true);
          expect(message.enabled === undefined || typeof message.enabled === 'boolean').toBe(true);
        }
      }),
      runs,
    );
  });

  it('rollgate v1: only InvalidResponseError, well-typed results', () => {
    const payload = fc.oneof(
      fc.jsonValue(),
      flagsMap(fc.oneof(fc.boolean(), fc.jsonValue())),
      fc.tuple(flagsMap(fc.boolean()), fc.dictionary(flagKey, fc.oneof(reason, mutated(reason), fc.jsonValue()))).map(([body, reasons]) => ({
        ...(body as object),
        reasons,
      })),
    );
    fc.assert(
      fc.property(payload, (body) => {
        const mapped = decodesOrRejects(() => v1Results(body, 'GET x', AT));
        if (mapped) expectWellTyped(mapped.flags);
      }),
      runs,
    );
  });

  it('rollgate v2: only InvalidResponseError, well-typed results, typed values of their type', () => {
    const payload = fc.oneof(fc.jsonValue(), flagsMap(fc.oneof(rollgateTypedFlag, mutated(rollgateTypedFlag as fc.Arbitrary<Record<string, unknown>>), fc.jsonValue())));
    fc.assert(
      fc.property(payload, (body) => {
        const mapped = decodesOrRejects(() => v2Results(body, 'GET x', AT));
        if (!mapped) return;
        expectWellTyped(mapped.flags);
        for (const flag of mapped.flags) {
          const type = flag.details?.type;
          if (type === 'boolean') expect(typeof flag.value).toBe('boolean');
          if (type === 'string' && flag.value !== undefined) expect(typeof flag.value).toBe('string');
          if (type === 'number' && flag.value !== undefined) expect(Number.isFinite(flag.value)).toBe(true);
        }
      }),
      runs,
    );
  });

  it('rollgate init and change hints: never throw; an init merges into well-typed results', () => {
    const text = fc.oneof(fc.string(), fc.jsonValue().map((value) => JSON.stringify(value)), flagsMap(fc.oneof(fc.boolean(), fc.jsonValue())).map((v) => JSON.stringify(v)));
    fc.assert(
      fc.property(text, (data) => {
        const key = changedKey(data);
        expect(key === undefined || typeof key === 'string').toBe(true);
        const init = parseInitFlags(data);
        if (!init) return;
        for (const on of init.values()) expect(typeof on).toBe('boolean');
        expectWellTyped(mergeInit(undefined, init, AT).flags);
      }),
      runs,
    );
  });

  it('nothing a payload says reaches Object.prototype', () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    const body = JSON.parse('{"flags":{"__proto__":{"type":"json","value":{"polluted":1},"enabled":true,"reason":{"kind":"OFF"}}}}') as unknown;
    const mapped = v2Results(body, 'GET x', AT);
    expect(mapped.flags[0]).toMatchObject({ key: '__proto__', value: { polluted: 1 } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
  });

  it('ofrep bulk: only InvalidResponseError, well-typed results, each key once (first item wins), stream URLs well-formed', () => {
    const item = fc.record(
      {
        key: flagKey,
        value: fc.oneof(fc.boolean(), fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.jsonValue(), fc.constant(null)),
        reason: fc.constantFrom('STATIC', 'TARGETING_MATCH', 'SPLIT', 'DISABLED', 'DEFAULT', 'ERROR'),
        variant: fc.string(),
        errorCode: fc.constantFrom('FLAG_NOT_FOUND', 'PARSE_ERROR', 'GENERAL'),
        metadata: fc.dictionary(fc.string(), fc.oneof(fc.boolean(), fc.string(), fc.integer())),
      },
      { requiredKeys: ['key'] },
    );
    const streams = fc.array(fc.oneof(fc.jsonValue(), fc.record({ type: fc.constant('sse'), url: fc.webUrl() }), fc.record({ type: fc.constant('sse'), endpoint: fc.record({ requestUri: fc.string() }) })), { maxLength: 3 });
    const payload = fc.oneof(fc.jsonValue(), fc.record({ flags: fc.array(fc.oneof(item, mutated(item), fc.jsonValue()), { maxLength: 8 }), eventStreams: fc.oneof(streams, fc.jsonValue()) }));
    fc.assert(
      fc.property(payload, (body) => {
        const mapped = decodesOrRejects(() => bulkFlags(body, 'POST x', AT, 'http://127.0.0.1:1', () => undefined));
        if (!mapped) return;
        expectWellTyped(mapped.flags);
        for (const entry of mapped.invalid) expect(entry.error).toBeInstanceOf(InvalidResponseError);
        const keyed = (body as { flags: unknown[] }).flags.flatMap((raw) => {
          const key = (raw as { key?: unknown } | null)?.key;
          return typeof key === 'string' && key !== '' ? [key] : [];
        });
        const decoded = [...mapped.flags.map((flag) => flag.key), ...mapped.invalid.map((entry) => entry.key)];
        expect(decoded.sort()).toEqual([...new Set(keyed)].sort());
        for (const url of mapped.eventStreams) expect(typeof url).toBe('string');
      }),
      runs,
    );
  });

  it('ofrep stream events: never throw; a refetch hint keeps only well-typed fields', () => {
    const text = fc.oneof(fc.string(), fc.jsonValue().map((value) => JSON.stringify(value)), mutated(fc.record({ type: fc.constant('refetchEvaluation'), etag: fc.string(), lastModified: fc.integer() })).map((v) => JSON.stringify(v)));
    fc.assert(
      fc.property(text, (data) => {
        const event = parseStreamEvent(data);
        if (event.type !== 'refetchEvaluation') return;
        if (event.hint.etag !== undefined) expect(typeof event.hint.etag).toBe('string');
        if (event.hint.lastModified !== undefined) expect(['number', 'string']).toContain(typeof event.hint.lastModified);
      }),
      runs,
    );
  });
});
