import { asyncScheduler, lastValueFrom, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, InvalidResponseError, ProjectNotFoundError, RequestError, isTerminal } from '../../lib/errors.js';
import { FlagSnapshot, nextSnapshot } from '../../lib/client/state/snapshot.js';
import { cuttlegate } from '../../lib/transports/cuttlegate/index.js';
import { bulkResults, changeMessages, requestBody, toEvalResult, type JsonTexts } from '../../lib/transports/cuttlegate/wire.js';
import type { TransportRuntime, TransportSession } from '../../lib/transports/transport.js';
import type { EvalResult } from '../../lib/types.js';
import { FakeCuttlegate } from '../support/fake-cuttlegate.js';
import { captureLog } from '../support/log-capture.js';
import { eventStream, realRuntime, startLoopback, type Loopback } from '../net/loopback.js';

const at = '2026-01-01T00:00:00Z';
const good = { key: 'a', enabled: true, value: null, value_key: 'true', reason: 'default', type: 'bool' };

describe('cuttlegate wire validation', () => {
  it.each([
    ['value_key: 0', { value_key: 0 }, 'value_key'],
    ['type: 7', { type: 7 }, 'type'],
    ['an unknown type', { type: 'float' }, 'type'],
    ['enabled as a string', { enabled: 'true' }, 'enabled'],
    ['reason: null', { reason: null }, 'reason'],
    ['value as an object', { value: { a: 1 }, type: 'string', value_key: 'x' }, 'value'],
    ['no value_key and no value', { value_key: undefined, value: null }, 'value_key'],
  ])('refuses a flag with %s', (_name, patch, field) => {
    expect(() => toEvalResult({ ...good, ...patch }, at, 'POST x')).toThrow(InvalidResponseError);
    expect(() => toEvalResult({ ...good, ...patch }, at, 'POST x')).toThrow(new RegExp(`"a": ${field}`));
  });

  it('types each variant by the flag type; what does not parse, or is not a finite number, has no value and PARSE_ERROR', () => {
    const value = (type: string, value_key: string, texts?: JsonTexts): Partial<EvalResult> => {
      const { value, errorCode } = toEvalResult({ ...good, type, value_key }, at, 'POST x', texts);
      return errorCode === undefined ? { value } : { value, errorCode };
    };
    const texts = (): JsonTexts => ({ last: new Map(), next: new Map() });
    expect([value('bool', 'true'), value('bool', 'yes'), value('string', '007'), value('number', ' 12.5 ')]).toEqual([
      { value: true }, { value: false }, { value: '007' }, { value: 12.5 },
    ]);
    expect(value('json', '{"a":[1]}', texts())).toEqual({ value: { a: [1] } });
    for (const [type, text] of [['number', ' '], ['number', 'lots'], ['number', '1e999'], ['json', '{"a"'], ['json', '1e999']]) {
      expect(value(type!, text!), `${type} ${text}`).toEqual({ value: undefined, errorCode: 'PARSE_ERROR' });
      expect(value(type!, text!, texts()), `${type} ${text} with texts`).toEqual({ value: undefined, errorCode: 'PARSE_ERROR' });
    }
  });

  it('puts malformed flags in invalid and applies the rest; a repeated key keeps its first entry', () => {
    const body = {
      flags: [good, { ...good, key: 'b', value_key: 0 }, { key: 7 }, 'junk', { ...good, key: 'a', value_key: 'false' }],
      evaluated_at: at,
    };
    const { flags, invalid } = bulkResults(body, 'POST x', 'later');
    expect(flags.map((flag) => [flag.key, flag.value])).toEqual([['a', true]]);
    expect(invalid.map((entry) => entry.key)).toEqual(['b', '#2', '#3']);
    for (const entry of invalid) expect(entry.error).toBeInstanceOf(InvalidResponseError);
  });

  it('names an entry that is not an object with a key, and takes evaluated_at only as a non-empty string', () => {
    const { invalid } = bulkResults({ flags: [good, 'junk', { ...good, key: '' }] }, 'POST x', at);
    expect(invalid.map((entry) => entry.error.message)).toEqual([
      'POST x: flag entry is not an object with a key',
      'POST x: flag entry is not an object with a key',
    ]);
    for (const evaluated_at of ['', 5, null]) {
      expect(bulkResults({ flags: [good], evaluated_at }, 'POST x', 'later').flags[0]!.evaluatedAt).toBe('later');
    }
  });

  it('sends strings, numbers, booleans, bigints and dates as strings, and names every other attribute as dropped', () => {
    const dropped: string[] = [];
    const attributes = { s: 'x', n: 1.5, b: false, big: 10n, list: ['x'], object: { a: 1 }, nothing: null, date: new Date(0), bad: new Date(Number.NaN) };
    expect(requestBody({ userId: 'u', attributes } as never, (names) => dropped.push(...names))).toEqual({
      context: { user_id: 'u', attributes: { s: 'x', n: '1.5', b: 'false', big: '10', date: '1970-01-01T00:00:00.000Z' } },
    });
    expect(dropped).toEqual(['list', 'object', 'nothing', 'bad']);
  });

  it('throws InvalidResponseError for a payload that is not the shape at all', () => {
    for (const body of [null, [], 'x', { flags: {} }, { flags: null }, { flags: [{ key: 'a' }, 7] }]) {
      expect(() => bulkResults(body, 'POST x', at)).toThrow(InvalidResponseError);
    }
  });

  it('keeps __proto__, constructor and prototype as plain flag keys without polluting', () => {
    const text = `{"flags":[${['__proto__', 'constructor', 'prototype'].map((key) => JSON.stringify({ ...good, key })).join(',')}]}`;
    const { flags, invalid } = bulkResults(JSON.parse(text), 'POST x', at);
    expect(flags.map((flag) => flag.key)).toEqual(['__proto__', 'constructor', 'prototype']);
    expect(invalid).toEqual([]);
    expect(({} as Record<string, unknown>).enabled).toBeUndefined();
  });

  it('gives every flag of a type the same frozen details, which a snapshot keeps as they are', () => {
    const body = (): unknown => JSON.parse(JSON.stringify({ flags: [good, { ...good, key: 'b' }, { ...good, key: 'n', type: 'number', value_key: '2' }] }));
    const first = bulkResults(body(), 'POST x', at).flags;
    const again = bulkResults(body(), 'POST x', at).flags;
    expect(first.map((flag) => flag.details)).toEqual([{ type: 'bool' }, { type: 'bool' }, { type: 'number' }]);
    expect(first[1]!.details).toBe(first[0]!.details);
    expect(again[0]!.details).toBe(first[0]!.details);
    expect(Object.isFrozen(first[0]!.details)).toBe(true);
    // A reload compares them by reference: the snapshot holds the decoded details, not a copy.
    const snapshot = FlagSnapshot.from(first);
    expect(snapshot.get('a')!.details).toBe(again[0]!.details);
    expect(nextSnapshot(snapshot, again)).toEqual({ snapshot, changes: [] });
  });

  it('turns a flag.state_changed frame into one changed message, keeping key and state only when well-typed', () => {
    expect(changeMessages('{"type":"flag.state_changed","flag_key":"a","enabled":false,"project":"p","occurred_at":"t"}')).toStrictEqual([
      { type: 'changed', key: 'a', enabled: false },
    ]);
    expect(changeMessages('{"type":"flag.state_changed","flag_key":7,"enabled":"yes","project":"p"}')).toStrictEqual([
      { type: 'changed', key: undefined, enabled: undefined },
    ]);
    expect(changeMessages('{"type":"project.renamed"}')).toStrictEqual([]);
    for (const frame of ['{"type":1}', '[1]', 'not json']) expect(changeMessages(frame), frame).toBeUndefined();
  });
});

describe('cuttlegate stream', () => {
  let server: Loopback | undefined;
  afterEach(() => server?.stop());

  it('hears its own project and environment only, and unnamed events only (the wire names none): nothing else is a change or a warning', async () => {
    const event = (project: string, environment: string, key: string): string =>
      `data: ${JSON.stringify({ type: 'flag.state_changed', project, environment, flag_key: key, enabled: true, occurred_at: at })}\n\n`;
    server = await startLoopback({
      '/api/v1/projects/demo/environments/production/flags/stream': eventStream(
        `event: ping\ndata: alive\n\n${event('demo', 'staging', 'other-env')}${event('shop', 'production', 'other-project')}${event('demo', 'production', 'own')}`,
      ),
    });
    const log = captureLog();
    const session = cuttlegate({ serverUrl: server.url, apiKey: 'cg_k', project: 'demo', environment: 'production' }).connect(realRuntime({ logger: log.logger }));
    const messages = await lastValueFrom(session.stream!({}).pipe(take(2), toArray()));
    expect(messages).toEqual([{ type: 'connected' }, { type: 'changed', key: 'own', enabled: true }]);
    expect(log.lines).toEqual([]);
  });
});

describe('cuttlegate options', () => {
  const valid = { serverUrl: 'http://127.0.0.1:1', apiKey: 'k', project: 'demo', environment: 'production' };

  it.each([
    [{ project: undefined }, 'project: is required, a slug (^[a-z0-9][a-z0-9-]*$)'],
    [{ environment: 'Prod' }, 'environment: is required, a slug (^[a-z0-9][a-z0-9-]*$)'],
    [{ watchdogMs: -1 }, 'watchdogMs: must be a number from 0 to 2147483647, got -1'],
    [{ watchdogMs: Number.POSITIVE_INFINITY }, 'watchdogMs: must be a number from 0 to 2147483647, got Infinity'],
    [{ serverUrl: 'flags.example.com' }, 'serverUrl: must be an http(s) URL'],
  ])('refuses %j with a ConfigError naming the field and its rule', (patch, message) => {
    let thrown: unknown;
    try {
      cuttlegate({ ...valid, ...patch } as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toBe(message);
  });
});

describe('cuttlegate session over loopback', () => {
  let fake: FakeCuttlegate;
  afterEach(() => fake.close());

  function session(project = 'demo', logger = captureLog().logger): TransportSession {
    const runtime: TransportRuntime = { fetch, timeoutMs: 5_000, scheduler: asyncScheduler, logger };
    return cuttlegate({ serverUrl: fake.url, apiKey: fake.apiKey, project, environment: 'production' }).connect(runtime);
  }

  it('reports a malformed flag in LoadResult.invalid and returns the others', async () => {
    fake = await FakeCuttlegate.start([]);
    fake.faults.push({ raw: JSON.stringify({ flags: [good, { ...good, key: 'b', type: 7 }], evaluated_at: at }) });
    const result = await lastValueFrom(session().load({ userId: 'u' }, { trigger: 'initial' }));
    expect(result).toMatchObject({ kind: 'flags', flags: [{ key: 'a' }], invalid: [{ key: 'b' }] });
  });

  it('fails a load for an unknown project with the terminal ProjectNotFoundError', async () => {
    fake = await FakeCuttlegate.start([]);
    const error = await lastValueFrom(session('nope').load({}, { trigger: 'initial' })).catch((e: Error) => e);
    expect(error).toBeInstanceOf(ProjectNotFoundError);
    expect(error).toBeInstanceOf(RequestError);
    expect(isTerminal(error)).toBe(true);
    expect((error as Error).message).toContain('"nope"');
  });

  it('decodes an unchanged JSON flag to the sealed object of the last load; a one-off load leaves that as it is', async () => {
    const cfg = { key: 'cfg', enabled: true, value_key: '{"limit":1,"tags":["a"]}', type: 'json' } as const;
    fake = await FakeCuttlegate.start([cfg, { key: 'other', enabled: true, value_key: '{"n":1}', type: 'json' }]);
    const s = session();
    const load = async (oneOff = false): Promise<Map<string, EvalResult>> => {
      const result = await lastValueFrom(s.load({ userId: 'u' }, { trigger: 'poll', oneOff }));
      return new Map((result.kind === 'flags' ? result.flags : []).map((flag) => [flag.key, flag]));
    };
    const first = await load();
    expect(first.get('cfg')!.value).toEqual({ limit: 1, tags: ['a'] });
    expect(Object.isFrozen((first.get('cfg')!.value as { tags: string[] }).tags)).toBe(true);
    fake.set('other', { value_key: '{"n":2}' }, false);
    await load(true);
    const second = await load();
    expect(second.get('cfg')!.value).toBe(first.get('cfg')!.value);
    expect(second.get('other')!.value).toEqual({ n: 2 });
    // The snapshot keeps the object it held: no copy, no change.
    const snapshot = FlagSnapshot.from([...first.values()]);
    const update = nextSnapshot(snapshot, [...second.values()]);
    expect(update.changes.map((change) => change.key)).toEqual(['other']);
    expect(update.snapshot.get('cfg')!.value).toBe(snapshot.get('cfg')!.value);
    fake.set('cfg', { value_key: '{"limit":2' }, false);
    const broken = await load();
    expect(broken.get('cfg')).toMatchObject({ value: undefined, errorCode: 'PARSE_ERROR' });
  });

  it('warns about an attribute it cannot send once per session, not on every poll', async () => {
    fake = await FakeCuttlegate.start([{ key: 'a', enabled: true, value_key: 'true', type: 'bool' }]);
    const { lines, logger } = captureLog();
    const s = session('demo', logger);
    const ctx = { userId: 'u', attributes: { tags: ['x'], plan: 'pro' } };
    for (let i = 0; i < 3; i++) await lastValueFrom(s.load(ctx, { trigger: 'poll' }));
    expect(lines.filter((line) => line.includes('tags'))).toHaveLength(1);
    await lastValueFrom(s.load({ ...ctx, attributes: { ...ctx.attributes, nested: { a: 1 } } }, { trigger: 'poll' }));
    expect(lines.filter((line) => line.includes('nested'))).toHaveLength(1);
    expect(lines).toHaveLength(2);
  });
});
