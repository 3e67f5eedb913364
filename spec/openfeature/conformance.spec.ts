/**
 * One flag set, one context, every way to ask: the same answer. Each case of one table is asked
 * through every path an application has, all over loopback HTTP with the real OpenFeature SDKs:
 *
 * - `getter`: `client.bool/string/number/json(key, fallback)`; `evaluate`: `client.evaluate(key)`;
 * - `own`: FlagstreamServerProvider, the client's own context (its snapshot); `other`: the same provider
 *   on an anonymous client asked with the user's context (`snapshotFor`); `web`: FlagstreamWebProvider;
 * - `official`, `officialWeb`: @openfeature/ofrep-provider and @openfeature/ofrep-web-provider.
 *
 * A row gives the OpenFeature answer (value, variant, reason, errorCode, flag metadata; `serverReason`
 * is flagstream's) and the client's `EvalResult`. flagstream's three provider paths must give it
 * exactly, the getter its value, `evaluate` the result. The official providers must give it too but
 * where a row says otherwise (`officialServer` / `officialWeb`), each such difference saying why: they
 * are the official packages' own readings, which flagstream does not copy (docs/openfeature.md).
 * spec/openfeature/same-answer.spec.ts runs flagstream's providers over the three transports.
 */
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';
import { OpenFeature as ServerOpenFeature, type EvaluationContext, type FlagValue } from '@openfeature/server-sdk';
import { OpenFeature as WebOpenFeature } from '@openfeature/web-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFlagClient, ofrep, type EvalContext, type FlagClient } from '../../lib/index.js';
import { FlagstreamServerProvider, FlagstreamWebProvider } from '../../lib/openfeature/index.js';
import { FakeOfrep, exampleItems } from '../support/fake-ofrep.js';
import { silent } from '../support/virtual.js';
import { API_KEY } from './fixtures.js';
import { quietLogger, resetOpenFeature, sameAnswerServer } from './support.js';

const USER: EvalContext = { userId: 'user-7', attributes: { plan: 'pro', country: 'DE' } };
const USER_OF: EvaluationContext = { targetingKey: 'user-7', plan: 'pro', country: 'DE' };

/** An OpenFeature answer as compared: what a path leaves out is `undefined`. */
interface Answer {
  value: FlagValue;
  variant?: string;
  reason: string;
  errorCode?: string;
  flagMetadata?: Record<string, unknown>;
}

/** One case: a key read with a caller's default, the answer, the client's result, and the official providers' readings where they differ. */
interface Case {
  what: string;
  key: string;
  fallback: FlagValue;
  answer: Answer;
  /** `client.evaluate(key)`: value, variant, reason (the wire's word) and errorCode. */
  result: { value?: unknown; variant: string; reason: string; errorCode?: string };
  /** The typed getter's value, when it is not `answer.value` (said why). */
  getter?: FlagValue;
  /** The `other` path's answer, when it is not `answer` (said why). */
  other?: Answer;
  officialServer?: Partial<Answer>;
  officialWeb?: Partial<Answer>;
}

type Path = 'getter' | 'evaluate' | 'own' | 'other' | 'web' | 'official' | 'officialWeb';

/** The official server provider reads OFREP's code default (no `value`, ADR-0006) as malformed. */
const MALFORMED = { reason: 'ERROR', errorCode: 'GENERAL', variant: undefined, flagMetadata: {} };

/** The answer without flagstream's own metadata entry: what an official provider is compared with. */
function official(answer: Answer, override: Partial<Answer> | undefined): Answer {
  const { serverReason: _, ...flagMetadata } = answer.flagMetadata ?? {};
  return { ...answer, flagMetadata, ...override };
}

/** The compared fields of an SDK's evaluation details. */
function pick(details: Answer): Answer {
  const { value, variant, reason, errorCode, flagMetadata } = details;
  return { value, variant, reason, errorCode, flagMetadata };
}

type Typed = 'Boolean' | 'String' | 'Number' | 'Object';
const typed = (fallback: FlagValue): Typed =>
  typeof fallback === 'boolean' ? 'Boolean' : typeof fallback === 'string' ? 'String' : typeof fallback === 'number' ? 'Number' : 'Object';
const getterOf = { Boolean: 'bool', String: 'string', Number: 'number', Object: 'json' } as const;

/** Every path's answer to one case, named by path (the SDK client of a path is its domain's). */
async function askEveryPath(client: FlagClient, row: Case): Promise<Record<Path, unknown>> {
  const kind = typed(row.fallback);
  const server = (domain: string, context?: EvaluationContext): Promise<Answer> =>
    (ServerOpenFeature.getClient(domain) as unknown as Record<string, (k: string, f: FlagValue, c?: EvaluationContext) => Promise<Answer>>)[`get${kind}Details`]!(row.key, row.fallback, context).then(pick);
  const web = (domain: string): Answer =>
    pick((WebOpenFeature.getClient(domain) as unknown as Record<string, (k: string, f: FlagValue) => Answer>)[`get${kind}Details`]!(row.key, row.fallback));
  const { value, variant, reason, errorCode } = client.evaluate(row.key);
  return {
    getter: (client[getterOf[kind]] as (key: string, fallback: FlagValue) => FlagValue)(row.key, row.fallback),
    evaluate: { value, variant, reason, errorCode },
    own: await server('own'),
    other: await server('other', USER_OF),
    web: web('web'),
    official: await server('official', USER_OF),
    officialWeb: web('officialWeb'),
  };
}

function expectedOf(row: Case): Record<Path, unknown> {
  return {
    getter: 'getter' in row ? row.getter : row.answer.value,
    evaluate: { value: undefined, errorCode: undefined, ...row.result },
    own: row.answer,
    other: row.other ?? row.answer,
    web: row.answer,
    official: official(row.answer, row.officialServer),
    officialWeb: official(row.answer, row.officialWeb),
  };
}

/**
 * Sets every path up against `baseUrl`: `client` (the user's context, lent to `own` and `web`), an
 * anonymous client behind `other`, and both official providers (no event stream, no cache: one load).
 */
async function providers(client: FlagClient, baseUrl: string, apiKey: string, started: (init: Promise<void>) => Promise<void> = (init) => init, timeoutMs?: number): Promise<void> {
  const headers: Array<[string, string]> = [['Authorization', `Bearer ${apiKey}`]];
  await client.ready();
  await started(ServerOpenFeature.setProviderAndWait('own', new FlagstreamServerProvider(client)));
  await started(ServerOpenFeature.setProviderAndWait('other', new FlagstreamServerProvider(clientOptions(baseUrl, apiKey, {}, timeoutMs))));
  await started(ServerOpenFeature.setProviderAndWait('official', new OFREPProvider({ baseUrl, headers })));
  await WebOpenFeature.setContext('web', USER_OF);
  await started(WebOpenFeature.setProviderAndWait('web', new FlagstreamWebProvider(client)));
  await WebOpenFeature.setContext('officialWeb', USER_OF);
  await started(WebOpenFeature.setProviderAndWait('officialWeb', new OFREPWebProvider({ baseUrl, headers, changeDetection: 'none', cacheMode: 'disabled' })));
}

/** Options of a client on `ofrep()` with one load (no stream, no polling); `timeoutMs` bounds `ready()`. */
function clientOptions(baseUrl: string, apiKey: string, context: EvalContext, timeoutMs = 10_000) {
  return { transport: ofrep({ baseUrl, apiKey, changeDetection: 'none' as const }), context, streaming: false, pollIntervalMs: 0, timeoutMs, logger: silent };
}

const meta = (type: string, serverReason: string, ruleId?: string): Record<string, unknown> => ({ type, ...(ruleId && { ruleId }), serverReason });
const disabled = (key: string, fallback: FlagValue, type: string): Case => ({
  what: `a disabled ${type} flag, caller default ${JSON.stringify(fallback)}`,
  key,
  fallback,
  answer: { value: fallback, reason: 'DISABLED', flagMetadata: meta(type, 'DISABLED') },
  result: { variant: '', reason: 'DISABLED' },
  officialServer: MALFORMED,
});

/** The local server's outcomes (spec/openfeature/fixtures/same-answer.flags.json) for a pro user in Germany. */
const LOCAL: Case[] = [
  { what: 'a static flag', key: 'banner', fallback: 'none',
    answer: { value: 'welcome', variant: 'welcome', reason: 'STATIC', flagMetadata: meta('string', 'STATIC') }, result: { value: 'welcome', variant: 'welcome', reason: 'STATIC' } },
  { what: 'a rule match', key: 'dark-mode', fallback: false,
    answer: { value: true, variant: 'true', reason: 'TARGETING_MATCH', flagMetadata: meta('bool', 'TARGETING_MATCH', 'pro') }, result: { value: true, variant: 'true', reason: 'TARGETING_MATCH' } },
  { what: 'a split', key: 'checkout-variant', fallback: 'none',
    answer: { value: 'one-page', variant: 'one-page', reason: 'SPLIT', flagMetadata: meta('string', 'SPLIT', 'de-split') }, result: { value: 'one-page', variant: 'one-page', reason: 'SPLIT' } },
  { what: 'a fallthrough', key: 'max-items', fallback: -1,
    answer: { value: 25, variant: '25', reason: 'DEFAULT', flagMetadata: meta('number', 'DEFAULT') }, result: { value: 25, variant: '25', reason: 'DEFAULT' } },
  disabled('new-checkout', false, 'bool'),
  disabled('new-checkout', true, 'bool'),
  disabled('theme', 'system', 'string'),
  // The official web provider hands a missing key the bulk answer's own metadata (project, environment):
  // that is the response's, not the flag's, so flagstream gives none.
  { what: 'a missing key', key: 'no-such-flag', fallback: true,
    answer: { value: true, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND', flagMetadata: {} }, result: { variant: '', reason: 'not_found', errorCode: 'FLAG_NOT_FOUND' },
    officialWeb: { flagMetadata: { project: 'demo', environment: 'production' } } },
  // The official server provider drops the flag's metadata on a type mismatch; flagstream keeps it, as the web one does.
  { what: 'a string flag read as boolean', key: 'banner', fallback: false,
    answer: { value: false, reason: 'ERROR', errorCode: 'TYPE_MISMATCH', flagMetadata: meta('string', 'STATIC') }, result: { value: 'welcome', variant: 'welcome', reason: 'STATIC' },
    officialServer: { flagMetadata: {} } },
  { what: 'a number flag read as string', key: 'max-items', fallback: 'x',
    answer: { value: 'x', reason: 'ERROR', errorCode: 'TYPE_MISMATCH', flagMetadata: meta('number', 'DEFAULT') }, result: { value: 25, variant: '25', reason: 'DEFAULT' },
    officialServer: { flagMetadata: {} } },
  // `client.json()` reads any JSON value (it is not OpenFeature's object type), so it gives the flag's boolean.
  { what: 'a bool flag read as an object', key: 'dark-mode', fallback: {},
    answer: { value: {}, reason: 'ERROR', errorCode: 'TYPE_MISMATCH', flagMetadata: meta('bool', 'TARGETING_MATCH', 'pro') }, result: { value: true, variant: 'true', reason: 'TARGETING_MATCH' },
    getter: true, officialServer: { flagMetadata: {} } },
];

describe('every path gives the same answer (local server, OFREP)', () => {
  const server = sameAnswerServer();
  let client: FlagClient;

  beforeEach(async () => {
    client = createFlagClient(clientOptions(server().url, API_KEY, USER));
    await providers(client, server().url, API_KEY);
  });

  afterEach(() => client.close());

  it.each(LOCAL.map((row) => [row.what, row] as const))('%s', async (_, row) => {
    expect(await askEveryPath(client, row)).toEqual(expectedOf(row));
  });
});

/** The protocol document's example items (a failure item among them) and the shapes around them. */
const ITEMS = (): unknown[] => [
  ...exampleItems(),
  { key: 'code-default', reason: 'TARGETING_MATCH', variant: 'v1', metadata: { team: 'shop' } },
  { key: 'null-value', value: null, reason: 'STATIC', variant: 'nv' },
  { key: 'list', value: [1, 2], reason: 'STATIC', variant: 'pair' },
  { key: 'malformed', value: true, reason: 7 },
];
const BANNER = { key: 'discount-banner', value: true, reason: 'TARGETING_MATCH', variant: 'enabled', metadata: { team: 'shop' } };
const bannerRow = (what: string, answer: Partial<Answer>, rest: Partial<Case>): Case => ({
  what,
  key: 'discount-banner',
  fallback: false,
  answer: { value: true, variant: 'enabled', reason: 'TARGETING_MATCH', flagMetadata: { team: 'shop', serverReason: 'TARGETING_MATCH' }, ...answer },
  result: { value: true, variant: 'enabled', reason: 'TARGETING_MATCH' },
  ...rest,
});
/** A malformed entry read with nothing good before it: an error of its own (PARSE_ERROR), not a missing flag. */
const unreadable = (fallback: FlagValue): Answer => ({ value: fallback, reason: 'ERROR', errorCode: 'PARSE_ERROR', flagMetadata: { serverReason: 'ERROR' } });

/** Wire shapes the local server never sends, from a strict fake OFREP server. */
const WIRE: Case[] = [
  bannerRow('a match with flag metadata', {}, {}),
  // The official providers put the server's errorDetails in errorMessage only; flagstream also keeps it as metadata.
  { what: 'a failure item (PARSE_ERROR)', key: 'broken-flag', fallback: true,
    answer: { value: true, reason: 'ERROR', errorCode: 'PARSE_ERROR', flagMetadata: { errorDetails: 'bad targeting rule', serverReason: 'ERROR' } },
    result: { variant: '', reason: 'ERROR', errorCode: 'PARSE_ERROR' }, officialServer: { flagMetadata: {} }, officialWeb: { flagMetadata: {} } },
  { what: 'a code default with a variant and metadata', key: 'code-default', fallback: 'dflt',
    answer: { value: 'dflt', variant: 'v1', reason: 'TARGETING_MATCH', flagMetadata: { team: 'shop', serverReason: 'TARGETING_MATCH' } },
    result: { variant: 'v1', reason: 'TARGETING_MATCH' }, officialServer: MALFORMED },
  // `"value": null` is OFREP's code default too (protocol document §6); both official providers read it as a value of the wrong type.
  { what: 'a null value', key: 'null-value', fallback: 'dflt',
    answer: { value: 'dflt', variant: 'nv', reason: 'STATIC', flagMetadata: { serverReason: 'STATIC' } },
    result: { variant: 'nv', reason: 'STATIC' },
    officialServer: { reason: 'ERROR', errorCode: 'TYPE_MISMATCH', variant: undefined }, officialWeb: { reason: 'ERROR', errorCode: 'TYPE_MISMATCH', variant: undefined } },
  { what: 'an array read as an object', key: 'list', fallback: {},
    answer: { value: [1, 2], variant: 'pair', reason: 'STATIC', flagMetadata: { serverReason: 'STATIC' } }, result: { value: [1, 2], variant: 'pair', reason: 'STATIC' } },
  // The official providers check no field: they hand the number on as the reason.
  { what: 'a malformed entry (a number as reason) in the first load', key: 'malformed', fallback: false,
    answer: unreadable(false), result: { variant: '', reason: 'ERROR', errorCode: 'PARSE_ERROR' },
    officialServer: { value: true, reason: 7 as unknown as string, errorCode: undefined }, officialWeb: { value: true, reason: 7 as unknown as string, errorCode: undefined } },
];

describe('every path gives the same answer (fake OFREP server)', () => {
  let fake: FakeOfrep;
  let client: FlagClient;

  beforeEach(async () => {
    ServerOpenFeature.setLogger(quietLogger);
    WebOpenFeature.setLogger(quietLogger);
    fake = await FakeOfrep.start(ITEMS());
    client = createFlagClient(clientOptions(fake.url, fake.apiKey, USER));
    await providers(client, fake.url, fake.apiKey);
  });

  afterEach(async () => {
    await resetOpenFeature();
    client.close();
    await fake.close();
  });

  it.each(WIRE.map((row) => [row.what, row] as const))('%s', async (_, row) => {
    expect(await askEveryPath(client, row)).toEqual(expectedOf(row));
  });

  it('an entry rejected after a good load: held with STALE where it was loaded, an error where it never was', async () => {
    fake.set({ ...BANNER, reason: 9 });
    await client.refresh();
    const row = bannerRow('held', { reason: 'STALE', flagMetadata: { team: 'shop', serverReason: 'stale' } }, {
      result: { value: true, variant: 'enabled', reason: 'stale' },
      // The other context's first load of it is this rejected entry: nothing good to hold.
      other: unreadable(false),
      // The official providers loaded it before the change (change detection off): their first answer, unchecked.
      officialServer: { reason: 9 as unknown as string },
      officialWeb: { reason: 'TARGETING_MATCH' },
    });
    expect(await askEveryPath(client, row)).toEqual(expectedOf(row));
    expect(client.status).toMatchObject({ state: 'ready', source: 'network' });
  });

  it('the server gone after a load: the last values with STALE from the snapshot, an error from a request', async () => {
    await fake.close();
    await expect(client.refresh()).rejects.toThrow();
    expect(client.status).toMatchObject({ state: 'stale', source: 'network' });
    const gone = { value: false, reason: 'ERROR', errorCode: 'GENERAL', flagMetadata: {} };
    const rows: Case[] = [
      bannerRow('banner', { reason: 'STALE' }, {
        other: gone,
        officialServer: { ...gone, variant: undefined },
        // Loaded once, never asked again: its cached answer, reason and all (it has no stale reason).
        officialWeb: { reason: 'TARGETING_MATCH' },
      }),
      { what: 'disabled', key: 'new-feature', fallback: true, answer: { value: true, reason: 'STALE', flagMetadata: { serverReason: 'DISABLED' } },
        result: { variant: '', reason: 'DISABLED' }, other: { ...gone, value: true },
        officialServer: { ...gone, value: true }, officialWeb: { reason: 'DISABLED' } },
    ];
    expect([ServerOpenFeature.getClient('own').providerStatus, WebOpenFeature.getClient('web').providerStatus]).toEqual(['STALE', 'STALE']);
    // `client.evaluate` gives the results as loaded: `status` says they are stale.
    for (const row of rows) expect([row.what, await askEveryPath(client, row)]).toEqual([row.what, expectedOf(row)]);
  });

  it('an entry malformed for the context switched to: PARSE_ERROR, never the last context’s value held', async () => {
    fake.perUser.set('user-8', new Map([['discount-banner', { ...BANNER, reason: 9 }]]));
    await WebOpenFeature.setContext('web', { targetingKey: 'user-8' });
    expect(client.evaluate('discount-banner')).toMatchObject({ value: undefined, reason: 'ERROR', errorCode: 'PARSE_ERROR' });
    expect(client.bool('discount-banner', false)).toBe(false);
    expect(WebOpenFeature.getClient('web').getBooleanDetails('discount-banner', false)).toMatchObject({ value: false, reason: 'ERROR', errorCode: 'PARSE_ERROR' });
    expect(await ServerOpenFeature.getClient('own').getBooleanDetails('discount-banner', false)).toMatchObject({ value: false, errorCode: 'PARSE_ERROR' });
  });

  /** Every path of a client that never loads (server at `baseUrl` with `apiKey`); `failed` collects the providers' failed initializations. */
  async function neverLoaded(baseUrl: string, apiKey: string, row: Case, failed: unknown[]): Promise<void> {
    const down = createFlagClient(clientOptions(baseUrl, apiKey, USER, 300));
    await resetOpenFeature();
    try {
      await providers(down, baseUrl, apiKey, (init) => init.catch((error: unknown) => void failed.push(error)), 300);
      expect(down.status).toMatchObject({ source: 'none' });
      expect(await askEveryPath(down, row)).toEqual(expectedOf(row));
    } finally {
      down.close();
    }
  }
  const errorOf = (errorCode: string): Answer => ({ value: true, reason: 'ERROR', errorCode, flagMetadata: {} });
  // Nothing loaded: `evaluate` reads the empty snapshot (a missing key); `status.source` 'none' says why.
  const nothing = { variant: '', reason: 'not_found', errorCode: 'FLAG_NOT_FOUND' };

  it('no server from the start: the caller’s default everywhere; not ready from a snapshot, an error from a request', async () => {
    const gone = fake.url;
    await fake.close();
    const failed: unknown[] = [];
    await neverLoaded(gone, fake.apiKey, { what: 'no server', key: 'discount-banner', fallback: true, answer: errorOf('PROVIDER_NOT_READY'), result: nothing,
      // The official web provider's failed first load leaves it an empty cache, which it reads as a missing key.
      other: errorOf('GENERAL'), officialServer: errorOf('GENERAL'), officialWeb: { errorCode: 'FLAG_NOT_FOUND' } }, failed);
    // Every provider's initialization failed but the official server provider's (it loads nothing up front).
    expect(failed).toHaveLength(4);
  });

  it('a rejected key (401): the caller’s default with PROVIDER_FATAL, on every path but the official server provider’s', async () => {
    const failed: unknown[] = [];
    // The official server provider asks per evaluation and reads a 401 as a GENERAL error each time.
    await neverLoaded(fake.url, 'not-the-key', { what: 'rejected key', key: 'discount-banner', fallback: true, answer: errorOf('PROVIDER_FATAL'), result: nothing,
      officialServer: errorOf('GENERAL') }, failed);
    expect(failed).toHaveLength(4);
  });
});
