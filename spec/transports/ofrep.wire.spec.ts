import { describe, expect, it } from 'vitest';
import { ConfigError, InvalidResponseError, RequestError } from '../../lib/errors.js';
import { parseEnvHeaders, resolveSettings } from '../../lib/transports/ofrep/options.js';
import { bulkFlags, eventStreamUrls, failureError, parseStreamEvent, requestBody, toEvalResult } from '../../lib/transports/ofrep/wire.js';

const AT = '2026-01-01T00:00:00.000Z';
const BASE = 'http://flags.test:8016';
const noWarn = (message: string): never => {
  throw new Error(`unexpected warning: ${message}`);
};

describe('ofrep request body', () => {
  it('flattens the context: targetingKey from userId (winning over an attribute), email, attributes', () => {
    const body = requestBody({ userId: 'user-123', email: 'a@b.c', attributes: { plan: 'pro', age: 31, beta: true, targetingKey: 'spoof' } }, noWarn);
    expect(body).toEqual({ context: { targetingKey: 'user-123', email: 'a@b.c', plan: 'pro', age: 31, beta: true } });
  });

  it('sends no targetingKey for an anonymous context, and drops non-JSON attributes with a warning', () => {
    const warnings: string[] = [];
    const body = requestBody({ userId: '', attributes: { when: new Date(AT), big: 1n, nested: { a: [1, 'x'] } } }, (m) => warnings.push(m));
    expect(body).toEqual({ context: { when: AT, nested: { a: [1, 'x'] } } });
    expect(warnings).toEqual(['ofrep: attributes big are not JSON values and were not sent']);
  });

  it('keeps an attribute named __proto__ a plain key', () => {
    const attributes = JSON.parse('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    const body = requestBody({ userId: 'u', attributes }, noWarn);
    expect(JSON.stringify(body)).toBe('{"context":{"__proto__":{"polluted":true},"targetingKey":"u"}}');
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});

describe('ofrep item mapping', () => {
  const map = (item: unknown) => toEvalResult(item, AT, 'POST x');

  it('maps success items per the table; variant derived from the value when absent', () => {
    expect(map({ key: 'a', value: true, reason: 'TARGETING_MATCH', variant: 'enabled', metadata: { team: 'shop', n: 1 } })).toEqual({
      key: 'a', enabled: true, variant: 'enabled', value: true, reason: 'TARGETING_MATCH', evaluatedAt: AT, source: 'network', details: { team: 'shop', n: 1 },
    });
    expect(map({ key: 'b', value: false, reason: 'STATIC' })).toMatchObject({ variant: 'false', value: false, enabled: true });
    expect(map({ key: 'c', value: 'blue', reason: 'SPLIT' })).toMatchObject({ variant: 'blue', value: 'blue' });
    expect(map({ key: 'd', value: 25, reason: 'DEFAULT' })).toMatchObject({ variant: '25', value: 25 });
    expect(map({ key: 'e', value: { cols: 3 }, reason: 'vendor-word' })).toMatchObject({ variant: '{"cols":3}', value: { cols: 3 }, reason: 'vendor-word' });
    expect(map({ key: 'f', value: [1, 2], reason: 'STATIC' })).toMatchObject({ variant: '[1,2]', value: [1, 2] });
  });

  it('keeps metadata prototype-free: a __proto__ key is a plain detail', () => {
    const item = JSON.parse('{"key":"p","value":true,"reason":"STATIC","metadata":{"__proto__":"x","n":1}}') as unknown;
    const { details } = map(item);
    expect(Object.getPrototypeOf(details)).toBeNull();
    expect(Object.keys(details!)).toEqual(['__proto__', 'n']);
    expect(details!['__proto__']).toBe('x');
  });

  it('maps code-default items (no value, or null) to no value, keeping reason and variant', () => {
    expect(map({ key: 'g', reason: 'DISABLED' })).toEqual({
      key: 'g', enabled: false, variant: '', value: undefined, reason: 'DISABLED', evaluatedAt: AT, source: 'network', details: {},
    });
    expect(map({ key: 'h', value: null, reason: 'DEFAULT', variant: 'off' })).toMatchObject({ enabled: true, variant: 'off', value: undefined, reason: 'DEFAULT' });
  });

  it('maps failure items to entries with errorCode and reason ERROR; unknown codes become GENERAL', () => {
    expect(map({ key: 'i', errorCode: 'PARSE_ERROR', errorDetails: 'bad rule' })).toEqual({
      key: 'i', enabled: false, variant: '', value: undefined, reason: 'ERROR', evaluatedAt: AT, source: 'network', errorCode: 'PARSE_ERROR', details: { errorDetails: 'bad rule' },
    });
    expect(map({ key: 'j', errorCode: 'FLAG_NOT_FOUND' })).toMatchObject({ errorCode: 'FLAG_NOT_FOUND', reason: 'ERROR' });
    expect(map({ key: 'k', errorCode: 'SOMETHING_NEW' })).toMatchObject({ errorCode: 'GENERAL' });
  });

  it.each([
    ['no key', { value: true, reason: 'STATIC' }],
    ['a non-string reason', { key: 'x', value: true, reason: 5 }],
    ['neither reason nor errorCode', { key: 'x', value: true }],
    ['a non-string variant', { key: 'x', value: true, reason: 'STATIC', variant: 1 }],
    ['nested metadata', { key: 'x', value: true, reason: 'STATIC', metadata: { a: { b: 1 } } }],
    ['metadata that is an array', { key: 'x', value: true, reason: 'STATIC', metadata: ['a'] }],
    ['a non-string errorDetails', { key: 'x', errorCode: 'GENERAL', errorDetails: 1 }],
    ['a non-string errorCode', { key: 'x', errorCode: 400 }],
    ['not an object', 'x'],
  ])('rejects an item with %s as InvalidResponseError', (_, item) => {
    expect(() => map(item)).toThrow(InvalidResponseError);
  });
});

describe('ofrep bulk mapping', () => {
  it('applies valid items, lists wrong-type items under their key, skips keyless ones with a warning', () => {
    const warnings: string[] = [];
    const mapped = bulkFlags(
      { flags: [{ key: 'ok', value: 1, reason: 'STATIC' }, { key: 'bad', value: true, reason: 7 }, { value: true, reason: 'STATIC' }] },
      'POST x',
      AT,
      BASE,
      (m) => warnings.push(m),
    );
    expect(mapped.flags.map((flag) => flag.key)).toEqual(['ok']);
    expect(mapped.invalid).toHaveLength(1);
    expect(mapped.invalid[0]!.key).toBe('bad');
    expect(mapped.invalid[0]!.error).toBeInstanceOf(InvalidResponseError);
    expect(mapped.eventStreams).toEqual([]);
    expect(warnings).toEqual(['ofrep: POST x: skipped 1 evaluation item(s) without a key']);
  });

  it.each([[null], [{}], [{ flags: {} }], [[{ key: 'a' }]], ['text']])('rejects a body that is not the bulk shape: %j', (body) => {
    expect(() => bulkFlags(body, 'POST x', AT, BASE, noWarn)).toThrow(InvalidResponseError);
  });

  it('resolves eventStreams: url as given, endpoint against the base origin or its own, others ignored, duplicates once', () => {
    const warnings: string[] = [];
    const urls = eventStreamUrls(
      [
        { type: 'sse', url: 'https://sse.example.com/stream?channels=env_abc', inactivityDelaySec: 120 },
        { type: 'sse', endpoint: { requestUri: '/ofrep/v1/stream?channel=t1' } },
        { type: 'sse', endpoint: { origin: 'https://other.example.com', requestUri: '/s?c=2' } },
        { type: 'websocket', url: 'wss://x.example.com/' },
        { type: 'sse', url: 'https://sse.example.com/stream?channels=env_abc' },
        { type: 'sse', endpoint: { requestUri: 'no-slash?token=secret' } },
        { type: 'sse', url: 'ftp://x.example.com/?token=secret' },
      ],
      BASE,
      (m) => warnings.push(m),
    );
    expect(urls).toEqual([
      'https://sse.example.com/stream?channels=env_abc',
      'http://flags.test:8016/ofrep/v1/stream?channel=t1',
      'https://other.example.com/s?c=2',
    ]);
    expect(warnings).toHaveLength(2);
    expect(warnings.join('\n')).not.toContain('secret');
    expect(eventStreamUrls(undefined, BASE, noWarn)).toEqual([]);
    expect(eventStreamUrls([], BASE, noWarn)).toEqual([]);
  });

  it('maps error bodies to a RequestError naming the code and details', () => {
    const rejected = failureError(400, { errorCode: 'INVALID_CONTEXT', errorDetails: 'context must be an object' }, 'POST x');
    expect(rejected).toBeInstanceOf(RequestError);
    expect(rejected.errorCode).toBe('INVALID_CONTEXT');
    expect(rejected.message).toBe('POST x: INVALID_CONTEXT: context must be an object (HTTP 400)');
    expect(failureError(400, undefined, 'POST x').message).toBe('POST x: request rejected (HTTP 400)');
  });
});

describe('ofrep stream events', () => {
  it('routes on data.type: refetchEvaluation with its hint, other types and non-JSON apart', () => {
    expect(parseStreamEvent('{"type":"refetchEvaluation","etag":"\\"abc\\"","lastModified":1771622898}')).toEqual({
      type: 'refetchEvaluation',
      hint: { etag: '"abc"', lastModified: 1771622898 },
    });
    expect(parseStreamEvent('{"type":"refetchEvaluation","lastModified":"2026-02-20T21:28:18Z"}')).toEqual({
      type: 'refetchEvaluation',
      hint: { lastModified: '2026-02-20T21:28:18Z' },
    });
    expect(parseStreamEvent('{"type":"somethingElse"}')).toEqual({ type: 'other', name: 'somethingElse' });
    expect(parseStreamEvent('not json')).toEqual({ type: 'unparsable' });
    expect(parseStreamEvent('{"etag":"x"}')).toEqual({ type: 'unparsable' });
  });
});

describe('ofrep() options', () => {
  const settings = (options: Parameters<typeof resolveSettings>[0], env: Record<string, string> = {}) => resolveSettings(options, env);

  it('validates synchronously, naming the option or the variable', () => {
    expect(() => settings({})).toThrow(new ConfigError('baseUrl', 'is required (or set OFREP_ENDPOINT)'));
    expect(() => settings({ baseUrl: 'ftp://x' })).toThrow(/^baseUrl/);
    expect(() => settings({ baseUrl: 'http://user:pw@x' })).toThrow(/^baseUrl: must not contain credentials/);
    expect(() => settings({ baseUrl: 'http://x/?token=1' })).toThrow(/^baseUrl: must not have a query/);
    expect(() => settings({}, { OFREP_ENDPOINT: 'not a url' })).toThrow(/^OFREP_ENDPOINT/);
    expect(() => settings({ baseUrl: BASE, changeDetection: 'push' as never })).toThrow(/^changeDetection/);
    expect(() => settings({ baseUrl: BASE, timeoutMs: 0 })).toThrow(/^timeoutMs/);
    expect(() => settings({ baseUrl: BASE }, { OFREP_TIMEOUT_MS: '10s' })).toThrow(/^OFREP_TIMEOUT_MS/);
    // Past the longest timer delay: the variable is what the user set, so the error names it, not the option.
    expect(() => settings({ baseUrl: BASE }, { OFREP_TIMEOUT_MS: '3000000000' })).toThrow(/^OFREP_TIMEOUT_MS: .*2147483647/);
    expect(() => settings({ baseUrl: BASE, apiKey: '' })).toThrow(/^apiKey/);
    expect(() => settings({ baseUrl: BASE, headers: { 'Bad Name': 'x' } })).toThrow(/^headers/);
    expect(() => settings({ baseUrl: BASE, headers: { 'X-A': 'a\r\nInjected: 1' } })).toThrow(/^headers/);
    expect(() => settings({ baseUrl: BASE, watchdogMs: -1 })).toThrow(/^watchdogMs/);
    expect(() => settings({ baseUrl: BASE }, { OFREP_HEADERS: '%E0%A4%A' })).toThrow(/^OFREP_HEADERS/);
  });

  it('takes the environment where code says nothing, code winning', () => {
    const env = { OFREP_ENDPOINT: 'http://env.test:2321/', OFREP_TIMEOUT_MS: '2500', OFREP_HEADERS: 'Authorization=Bearer%20env,X-Env=prod' };
    expect(settings({}, env)).toMatchObject({
      baseUrl: 'http://env.test:2321',
      timeoutMs: 2500,
      headers: { Authorization: 'Bearer env', 'X-Env': 'prod' },
      changeDetection: 'sse',
    });
    const coded = settings({ baseUrl: BASE, timeoutMs: 900, headers: { 'x-env': 'dev' }, apiKey: 'code-key' }, env);
    expect(coded).toMatchObject({ baseUrl: BASE, timeoutMs: 900, headers: { Authorization: 'Bearer code-key', 'x-env': 'dev' } });
    expect(Object.keys(coded.headers)).toHaveLength(2);
  });

  it('parses OFREP_HEADERS per the protocol: decode, split on commas, first =, trim, skip and warn', () => {
    const warnings: string[] = [];
    const pairs = parseEnvHeaders('A%3Db%3Dc, X-Token = abc=def ,novalue,=empty,X-Sp=%20a%20', warnings);
    expect(pairs).toEqual([
      ['A', 'b=c'],
      ['X-Token', 'abc=def'],
      ['X-Sp', 'a'],
    ]);
    expect(warnings).toEqual(['ofrep: OFREP_HEADERS entry 3 is not name=value; skipped', 'ofrep: OFREP_HEADERS entry 4 is not name=value; skipped']);
  });
});
