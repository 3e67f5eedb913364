import { afterEach, describe, expect, it, vi } from 'vitest';
import { cuttlegate, ofrep, rollgate } from '../../lib/index.js';
import { testSource } from '../../lib/testing/index.js';

/** A transport's identity is the scope of store records and fleet leases: it names what selects the environment. */
describe('transport identity', () => {
  const cgKey = 'cg_demo_production_0123456789abcdefghijklmnopqrstuvwx';

  afterEach(() => vi.unstubAllEnvs());

  it('cuttlegate: server (no query), project and environment; a rotated key of the environment keeps it', () => {
    const t = cuttlegate({ serverUrl: 'https://flags.example.com/base?token=secret#x', apiKey: cgKey, project: 'demo', environment: 'production' });
    expect(t.identity).toBe('cuttlegate https://flags.example.com/base demo/production');
    expect(t.identity).not.toContain(cgKey);
    const rotated = cuttlegate({ serverUrl: 'https://flags.example.com/base', apiKey: `${cgKey}2`, project: 'demo', environment: 'production' });
    expect(rotated.identity).toBe(t.identity);
    const staging = cuttlegate({ serverUrl: 'https://flags.example.com/base', apiKey: cgKey, project: 'demo', environment: 'staging' });
    expect(staging.identity).not.toBe(t.identity);
  });

  it('rollgate: base URL and a fingerprint of the key (the key alone selects the environment), never the key', () => {
    const a = rollgate({ baseUrl: 'http://127.0.0.1:1', apiKey: 'rg_server_aaaaaaaaaaaaaaaa' });
    const b = rollgate({ baseUrl: 'http://127.0.0.1:1', apiKey: 'rg_server_bbbbbbbbbbbbbbbb' });
    expect(a.identity).toMatch(/^rollgate http:\/\/127\.0\.0\.1:1\/ key:[0-9a-f]{16}$/);
    expect(a.identity).not.toBe(b.identity);
    expect(rollgate({ baseUrl: 'http://127.0.0.1:1/', apiKey: 'rg_server_aaaaaaaaaaaaaaaa', sseUrl: 'http://127.0.0.1:2' }).identity).toBe(a.identity);
    expect(a.identity).not.toContain('aaaaaaaa');
  });

  it('keys of two tenants never share an identity: a fingerprint with room for many keys (these two collide in 32 bits)', () => {
    // Found among ~22,000 keys of one pattern, as one process with a tenant each would hold.
    const a = rollgate({ baseUrl: 'http://127.0.0.1:1', apiKey: 'rg_tenant_006yzx_key' });
    const b = rollgate({ baseUrl: 'http://127.0.0.1:1', apiKey: 'rg_tenant_00d6ad_key' });
    expect(a.identity).not.toBe(b.identity);
    expect(ofrep({ baseUrl: 'http://127.0.0.1:1', changeDetection: 'none', apiKey: 'rg_tenant_006yzx_key' }).identity).not.toBe(
      ofrep({ baseUrl: 'http://127.0.0.1:1', changeDetection: 'none', apiKey: 'rg_tenant_00d6ad_key' }).identity,
    );
  });

  describe('ofrep', () => {
    const BASE = 'http://flags.test:8016/prefix/';
    const identity = (options: Parameters<typeof ofrep>[0]): string => ofrep({ baseUrl: BASE, changeDetection: 'none', ...options }).identity!;

    it('without headers: the base URL (no query)', () => {
      expect(identity({})).toBe('ofrep http://flags.test:8016/prefix');
    });

    it('two API keys (two environments) on one server differ; equal keys are equal; the key never appears', () => {
      const production = identity({ apiKey: 'ofrep-production-key-0123456789' });
      const staging = identity({ apiKey: 'ofrep-staging-key-0123456789' });
      expect(production).toMatch(/^ofrep http:\/\/flags\.test:8016\/prefix headers:[0-9a-f]{16}$/);
      expect(staging).not.toBe(production);
      expect(identity({ apiKey: 'ofrep-production-key-0123456789' })).toBe(production);
      expect(production).not.toContain('production-key');
      // the key given as a header is the same request, so the same identity
      expect(identity({ headers: { authorization: 'Bearer ofrep-production-key-0123456789' } })).toBe(production);
    });

    it('a tenant or key header selects too, from options or OFREP_HEADERS; names count in any case and order', () => {
      const acme = identity({ headers: { 'X-Tenant': 'acme', 'X-API-Key': 'k1' } });
      expect(identity({ headers: { 'X-Tenant': 'globex', 'X-API-Key': 'k1' } })).not.toBe(acme);
      expect(identity({ headers: { 'X-Tenant': 'acme', 'X-API-Key': 'k2' } })).not.toBe(acme);
      expect(identity({ headers: { 'x-api-key': 'k1', 'x-tenant': 'acme' } })).toBe(acme);
      vi.stubEnv('OFREP_HEADERS', 'X-Tenant=acme,X-API-Key=k1');
      expect(identity({})).toBe(acme);
      vi.stubEnv('OFREP_HEADERS', 'X-Tenant=globex,X-API-Key=k1');
      expect(identity({})).not.toBe(acme);
      expect(identity({ headers: { 'X-Tenant': 'acme' } })).toBe(acme); // options override the environment's header
      expect(acme).not.toMatch(/acme|k1/);
    });

    it('headers that never select an environment (User-Agent, Accept, tracing) leave it as it is', () => {
      const plain = identity({ apiKey: 'k' });
      expect(identity({ apiKey: 'k', headers: { 'User-Agent': 'my-app/1.2.3', Accept: 'application/json', traceparent: '00-ab-cd-01' } })).toBe(plain);
      expect(identity({ headers: { 'User-Agent': 'my-app/1.2.3' } })).toBe(identity({}));
    });
  });

  it('testSource has one', () => {
    expect(testSource().identity).toBe('test');
  });
});
