/**
 * A custom `fetch` is not part of the transport's identity, the scope of store records and fleet
 * leases (documented in docs/production.md): two clients whose `fetch` adds different tenant headers
 * share a scope, so one restores the other's record; the tenant given to the transport
 * (`ofrep({ headers })`) splits it. Real HTTP against the OFREP fake; each check reads the value AND the status.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFlagClient, ofrep, type FlagClient, type FlagStore, type OfrepOptions, type StoredFlags } from '../../lib/index.js';
import { memoryStore } from '../../lib/stores/index.js';
import { FakeOfrep } from '../support/fake-ofrep.js';

/** A `fetch` that adds the tenant's header, as a multi-tenant app's would. */
const tenantFetch =
  (tenant: string): typeof fetch =>
  (input, init) =>
    fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), 'X-Tenant': tenant } });

describe('a custom fetch and the scope of store records', () => {
  let fake: FakeOfrep;
  let clients: FlagClient[] = [];
  beforeEach(async () => {
    fake = await FakeOfrep.start([{ key: 'beta', value: true, reason: 'STATIC', variant: 'on' }]);
  });
  afterEach(async () => {
    for (const client of clients) client.close();
    clients = [];
    await fake.close();
  });

  /** A store shared by every client of a test, a promise of its first save and one of its first load's answer. */
  function sharedStore(): { store: FlagStore; saved: Promise<StoredFlags>; looked: Promise<void> } {
    const inner = memoryStore();
    let save: (data: StoredFlags) => void = () => undefined;
    let look: () => void = () => undefined;
    const saved = new Promise<StoredFlags>((resolve) => (save = resolve));
    const looked = new Promise<void>((resolve) => (look = resolve));
    return {
      saved,
      looked,
      store: { load: (scope) => inner.load(scope).finally(() => setTimeout(look, 0)), save: (data) => inner.save(data).then(() => save(data)) },
    };
  }

  function client(store: FlagStore, options: { fetch?: typeof fetch; transport?: Partial<OfrepOptions> }): FlagClient {
    const made = createFlagClient({
      transport: ofrep({ baseUrl: fake.url, apiKey: fake.apiKey, changeDetection: 'none', ...options.transport }),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      context: { userId: 'u-1' },
      store,
      streaming: false,
      pollIntervalMs: 0,
      logger: { warn() {}, error() {} },
    });
    clients.push(made);
    return made;
  }

  it('tenants told apart only by their fetch share a scope: one serves the other’s record when its server fails', async () => {
    const { store, saved, looked } = sharedStore();
    expect(await client(store, { fetch: tenantFetch('acme') }).ready()).toEqual({ ok: true, source: 'network' });
    await saved;
    fake.faults.push(...Array.from({ length: 20 }, () => ({ status: 503 })));
    const globex = client(store, { fetch: tenantFetch('globex') });
    void globex.ready();
    await looked; // its first load failed, and it asked the store
    expect(globex.status).toMatchObject({ state: 'stale', source: 'store' });
    expect(globex.bool('beta')).toBe(true);
    expect(fake.requests.map((r) => r.headers['x-tenant'])).toContain('globex');
  });

  it('the tenant in ofrep({ headers }) is part of the identity: no record of another tenant is served', async () => {
    const { store, saved, looked } = sharedStore();
    expect(await client(store, { transport: { headers: { 'X-Tenant': 'acme' } } }).ready()).toEqual({ ok: true, source: 'network' });
    await saved;
    fake.faults.push(...Array.from({ length: 20 }, () => ({ status: 503 })));
    const globex = client(store, { transport: { headers: { 'X-Tenant': 'globex' } } });
    void globex.ready();
    await looked;
    expect(globex.status).toMatchObject({ state: 'error', source: 'none' });
    expect(globex.bool('beta')).toBe(false);
  });
});
