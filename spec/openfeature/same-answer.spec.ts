/**
 * The same answer whichever transport an OpenFeature application picks: both flagstream providers,
 * through the real OpenFeature SDKs, over cuttlegate(), rollgate() and ofrep() against one local
 * server serving spec/openfeature/fixtures/same-answer.flags.json. Values, variants and the caller's
 * default on disabled flags are the same on every transport; reasons are OpenFeature's standard ones,
 * differing only where a wire cannot tell two apart (the README's OpenFeature table), and the wire's
 * own word is in `flagMetadata.serverReason`.
 */
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OpenFeature as ServerOpenFeature, type Client as ServerClient, type EvaluationContext, type EvaluationDetails, type FlagValue } from '@openfeature/server-sdk';
import { OpenFeature as WebOpenFeature, type Client as WebClient } from '@openfeature/web-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { cuttlegate, ofrep, rollgate, type EvalContext, type FlagClientOptions, type Transport } from '../../lib/index.js';
import { FlagstreamServerProvider, FlagstreamWebProvider } from '../../lib/openfeature/index.js';
import { silent } from '../support/virtual.js';
import { API_KEY } from './fixtures.js';
import { sameAnswerServer } from './support.js';

type Wire = 'cuttlegate' | 'rollgate' | 'ofrep';
const WIRES: readonly Wire[] = ['cuttlegate', 'rollgate', 'ofrep'];

/** A pro user in Germany: the rule of `dark-mode` and the split of `checkout-variant` apply to them. */
const USER: EvalContext = { userId: 'user-7', attributes: { plan: 'pro', country: 'DE' } };
const USER_OF: EvaluationContext = { targetingKey: 'user-7', plan: 'pro', country: 'DE' };

/** One expected answer: the same value and variant everywhere, the standard reason and the wire's word per transport. */
interface Row {
  what: string;
  key: string;
  fallback: FlagValue;
  value: FlagValue;
  variant?: string;
  reason: Record<Wire, string>;
  serverReason?: Record<Wire, string>;
  errorCode?: string;
}

const every = (word: string): Record<Wire, string> => ({ cuttlegate: word, rollgate: word, ofrep: word });
const disabled = { reason: every('DISABLED'), serverReason: { cuttlegate: 'disabled', rollgate: 'OFF', ofrep: 'DISABLED' } };

const ROWS: Row[] = [
  // Cuttlegate's `default` and Rollgate's FALLTHROUGH cannot tell "no rules" from "no rule matched".
  { what: 'a static flag', key: 'banner', fallback: 'none', value: 'welcome', variant: 'welcome',
    reason: { cuttlegate: 'DEFAULT', rollgate: 'DEFAULT', ofrep: 'STATIC' }, serverReason: { cuttlegate: 'default', rollgate: 'FALLTHROUGH', ofrep: 'STATIC' } },
  { what: 'a rule match', key: 'dark-mode', fallback: false, value: true, variant: 'true',
    reason: every('TARGETING_MATCH'), serverReason: { cuttlegate: 'rule_match', rollgate: 'RULE_MATCH', ofrep: 'TARGETING_MATCH' } },
  // Cuttlegate's `rule_match` and Rollgate's RULE_MATCH cannot tell a rollout from a plain rule.
  { what: 'a rollout', key: 'checkout-variant', fallback: 'none', value: 'one-page', variant: 'one-page',
    reason: { cuttlegate: 'TARGETING_MATCH', rollgate: 'TARGETING_MATCH', ofrep: 'SPLIT' }, serverReason: { cuttlegate: 'rule_match', rollgate: 'RULE_MATCH', ofrep: 'SPLIT' } },
  { what: 'a fallthrough', key: 'max-items', fallback: -1, value: 25, variant: '25',
    reason: every('DEFAULT'), serverReason: { cuttlegate: 'default', rollgate: 'FALLTHROUGH', ofrep: 'DEFAULT' } },
  { what: 'a disabled bool flag (default variant true), caller default false', key: 'new-checkout', fallback: false, value: false, ...disabled },
  { what: 'a disabled bool flag (default variant true), caller default true', key: 'new-checkout', fallback: true, value: true, ...disabled },
  { what: 'a disabled bool flag (default variant false), caller default true', key: 'legacy-search', fallback: true, value: true, ...disabled },
  { what: 'a disabled bool flag (default variant false), caller default false', key: 'legacy-search', fallback: false, value: false, ...disabled },
  { what: 'a disabled string flag', key: 'theme', fallback: 'system', value: 'system', ...disabled },
  { what: 'a missing key', key: 'no-such-flag', fallback: true, value: true, reason: every('ERROR'), errorCode: 'FLAG_NOT_FOUND' },
];

/** What a resolution is compared on. */
function seen(details: EvaluationDetails<FlagValue>): Record<string, unknown> {
  return {
    value: details.value,
    variant: details.variant,
    reason: details.reason,
    serverReason: details.flagMetadata.serverReason,
    errorCode: details.errorCode,
  };
}

function expected(row: Row, wire: Wire): Record<string, unknown> {
  return { value: row.value, variant: row.variant, reason: row.reason[wire], serverReason: row.serverReason?.[wire], errorCode: row.errorCode };
}

/** The typed getter the caller's default picks, as an application calls it. */
function resolve(client: ServerClient, row: Row, context?: EvaluationContext): Promise<EvaluationDetails<FlagValue>> {
  if (typeof row.fallback === 'boolean') return client.getBooleanDetails(row.key, row.fallback, context);
  if (typeof row.fallback === 'string') return client.getStringDetails(row.key, row.fallback, context);
  return client.getNumberDetails(row.key, row.fallback as number, context);
}

function resolveWeb(client: WebClient, row: Row): EvaluationDetails<FlagValue> {
  if (typeof row.fallback === 'boolean') return client.getBooleanDetails(row.key, row.fallback);
  if (typeof row.fallback === 'string') return client.getStringDetails(row.key, row.fallback);
  return client.getNumberDetails(row.key, row.fallback as number);
}

describe('the same OpenFeature answer on every transport (local server)', () => {
  const server = sameAnswerServer();

  afterEach(() => {
    server().setOfrep({ requireTargetingKey: undefined });
  });

  const transports: Record<Wire, () => Transport> = {
    cuttlegate: () => cuttlegate({ serverUrl: server().url, apiKey: API_KEY, project: 'demo', environment: 'production' }),
    rollgate: () => rollgate({ baseUrl: server().url, apiKey: API_KEY }),
    ofrep: () => ofrep({ baseUrl: server().url, apiKey: API_KEY }),
  };

  const options = (wire: Wire, context: EvalContext = USER): FlagClientOptions => ({
    transport: transports[wire](),
    context,
    streaming: false,
    pollIntervalMs: 0,
    logger: silent,
  });

  describe.each(WIRES)('over %s', (wire) => {
    it('server provider, the client’s own context (its snapshot): every row as the table says', async () => {
      await ServerOpenFeature.setProviderAndWait(wire, new FlagstreamServerProvider(options(wire)));
      const client = ServerOpenFeature.getClient(wire);
      for (const row of ROWS) expect([row.what, seen(await resolve(client, row))]).toEqual([row.what, expected(row, wire)]);
    });

    it('server provider, another context (one bulk request for it): every row as the table says', async () => {
      await ServerOpenFeature.setProviderAndWait(wire, new FlagstreamServerProvider(options(wire, {})));
      const client = ServerOpenFeature.getClient(wire);
      for (const row of ROWS) expect([row.what, seen(await resolve(client, row, USER_OF))]).toEqual([row.what, expected(row, wire)]);
    });

    it('web provider (static context): every row as the table says', async () => {
      await WebOpenFeature.setContext(USER_OF);
      await WebOpenFeature.setProviderAndWait(new FlagstreamWebProvider(options(wire, {})));
      const client = WebOpenFeature.getClient();
      for (const row of ROWS) expect([row.what, seen(resolveWeb(client, row))]).toEqual([row.what, expected(row, wire)]);
    });
  });

  // A server-side client often runs on the anonymous context; against a server that requires a targeting
  // key its own load is rejected for good, but every request context that has one is answered (as the
  // official OFREP server provider answers it).
  it('answers request contexts with a targeting key when the client’s own (anonymous) load is rejected', async () => {
    server().setOfrep({ requireTargetingKey: true });
    const provider = new FlagstreamServerProvider(options('ofrep', {}));
    await expect(ServerOpenFeature.setProviderAndWait('ofrep', provider)).rejects.toMatchObject({ code: 'TARGETING_KEY_MISSING' });
    const client = ServerOpenFeature.getClient('ofrep');
    const row = ROWS.find((candidate) => candidate.key === 'dark-mode')!;
    expect(seen(await resolve(client, row, USER_OF))).toEqual(expected(row, 'ofrep'));
    expect(await client.getBooleanDetails('dark-mode', false)).toMatchObject({ value: false, reason: 'ERROR', errorCode: 'PROVIDER_NOT_READY' });
    await ServerOpenFeature.setProviderAndWait('official', new OFREPProvider({ baseUrl: server().url, headers: [['Authorization', `Bearer ${API_KEY}`]] }));
    expect(await ServerOpenFeature.getClient('official').getBooleanDetails('dark-mode', false, USER_OF)).toMatchObject({ value: true, variant: 'true' });
  });

  it('reports a request the OFREP server rejects with its wire code (400 TARGETING_KEY_MISSING)', async () => {
    server().setOfrep({ requireTargetingKey: true });
    await ServerOpenFeature.setProviderAndWait('ofrep', new FlagstreamServerProvider(options('ofrep')));
    const details = await ServerOpenFeature.getClient('ofrep').getBooleanDetails('dark-mode', false, { plan: 'pro' });
    expect(details).toMatchObject({ value: false, reason: 'ERROR', errorCode: 'TARGETING_KEY_MISSING' });
  });
});
