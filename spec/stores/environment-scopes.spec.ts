import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { createFlagClient, cuttlegate, ofrep, rollgate, type FlagClient, type FlagStore, type StoredFlags, type Transport } from '../../lib/index.js';
import { startServer, type FlagServer, type FlagsDocument } from '../../lib/server/index.js';
import { fileStore, memoryStore, redisFleet } from '../../lib/stores/index.js';
import { fastRetry, until } from '../chaos/support/chaos.js';
import { freePort, redisAvailable, useRedis } from '../support/redis.js';
import { silent } from '../support/virtual.js';

const PRODUCTION_KEY = 'cg_demo_production_scopes0123456789abcdefghijklmn';
const STAGING_KEY = 'cg_demo_staging_scopes0123456789abcdefghijklmnopq';

/** One project, two environments (a key each), and a flag that names the environment it was evaluated in. */
const twoEnvironments: FlagsDocument = {
  projects: [
    {
      slug: 'demo',
      environments: [
        { slug: 'production', apiKeys: [PRODUCTION_KEY] },
        { slug: 'staging', apiKeys: [STAGING_KEY] },
      ],
      flags: [
        {
          key: 'environment',
          type: 'string',
          variants: ['production', 'staging', 'unset'],
          defaultVariant: 'unset',
          environments: {
            production: { enabled: true, rules: [{ priority: 1, variant: 'production' }] },
            staging: { enabled: true, rules: [{ priority: 1, variant: 'staging' }] },
          },
        },
      ],
    },
  ],
} as FlagsDocument;

type Environment = 'production' | 'staging';
const keyOf = (environment: Environment): string => (environment === 'production' ? PRODUCTION_KEY : STAGING_KEY);

/** Each protocol's transport for one environment of the server at `url` (the API key selects it, and Cuttlegate's path). */
const transports: Record<string, (url: string, environment: Environment) => Transport> = {
  ofrep: (url, environment) => ofrep({ baseUrl: url, apiKey: keyOf(environment), changeDetection: 'none' }),
  'ofrep (key in a header)': (url, environment) => ofrep({ baseUrl: url, headers: { 'X-API-Key': keyOf(environment) }, changeDetection: 'none' }),
  rollgate: (url, environment) => rollgate({ baseUrl: url, apiKey: keyOf(environment) }),
  cuttlegate: (url, environment) => cuttlegate({ serverUrl: url, apiKey: keyOf(environment), project: 'demo', environment }),
};

/** A store that tells when it has saved. */
function watched(store: FlagStore): FlagStore & { saved: StoredFlags[] } {
  const saved: StoredFlags[] = [];
  return {
    saved,
    save: async (data) => {
      await store.save(data);
      saved.push(data);
    },
    load: (scope) => store.load(scope),
  };
}

describe('two environments on one server never share a store record', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'flagstream-scopes-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A client of user-1 on `store`, polling off, retrying fast; closed when the test ends. */
  function client(test: TestContext, transport: Transport, store: FlagStore): FlagClient {
    const created = createFlagClient({
      transport,
      context: { userId: 'user-1' },
      store,
      streaming: false,
      pollIntervalMs: 0,
      timeoutMs: 500,
      logger: silent,
      ...fastRetry,
    });
    test.onTestFinished(() => created.close());
    return created;
  }

  let files = 0;
  const stores: Record<string, () => FlagStore> = {
    memoryStore: () => memoryStore(),
    fileStore: () => fileStore(join(dir, `flags-${++files}.json`)),
  };

  describe.concurrent.each(Object.keys(transports))('%s', (protocol) => {
    it.for(Object.keys(stores))('a staging client cold-starting with the server down does not restore production’s record (%s)', { timeout: 20_000 }, async (kind, test) => {
      const transportFor = transports[protocol]!;
      const store = watched(stores[kind]!());
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const server: FlagServer = await startServer({ flags: twoEnvironments, port, logger: silent });
      test.onTestFinished(() => server.close());
      const production = client(test, transportFor(url, 'production'), store);
      expect(await production.ready()).toMatchObject({ ok: true, source: 'network' });
      expect(production.string('environment', 'none')).toBe('production');
      await until(() => store.saved.length > 0, 'the production record to be saved');
      production.close();
      await server.close();

      const staging = client(test, transportFor(url, 'staging'), store);
      const result = await staging.ready({ timeoutMs: 1_500 });
      expect(result.ok).toBe(false);
      expect(staging.string('environment', 'none')).toBe('none');
      expect(staging.status).toMatchObject({ source: 'none', state: 'error' });

      // the same store does serve production's own cold start: the record is there, only not for staging
      const again = client(test, transportFor(url, 'production'), store);
      expect(await again.ready({ timeoutMs: 1_500 })).toMatchObject({ ok: true, source: 'store' });
      expect(again.string('environment', 'none')).toBe('production');
      expect(again.status.source).toBe('store');
    });
  });
});

describe.skipIf(!redisAvailable)('two environments on one server never share a fleet lease (real Redis)', () => {
  const { redis } = useRedis();

  it.for(Object.keys(transports))('%s: a staging process leads its own fleet and serves staging’s flags, beside production’s leader', { timeout: 20_000 }, async (protocol, test) => {
    const server = await startServer({ flags: twoEnvironments, logger: silent });
    test.onTestFinished(() => server.close());
    const member = (environment: Environment): FlagClient => {
      const created = createFlagClient({
        transport: transports[protocol]!(server.url, environment),
        context: { userId: 'user-1' },
        streaming: false,
        pollIntervalMs: 0,
        logger: silent,
        fleet: redisFleet(redis(), { prefix: `scopes-${protocol}:`, leaseMs: 2_000 }),
      });
      test.onTestFinished(() => created.close());
      return created;
    };
    const production = member('production');
    await production.ready();
    await until(() => production.status.role === 'leader', 'production to lead');
    const staging = member('staging');
    expect(await staging.ready()).toMatchObject({ ok: true });
    await until(() => staging.status.role !== undefined, 'staging to take a role');
    expect(staging.status.role).toBe('leader');
    expect(staging.string('environment', 'none')).toBe('staging');
    expect(production.string('environment', 'none')).toBe('production');
  });
});
