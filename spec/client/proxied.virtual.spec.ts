import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { FlagClient } from '../../lib/index.js';
import { createMockClient, testSource } from '../../lib/testing/index.js';
import { clientOn, virtualTime } from '../support/virtual.js';

/**
 * Apps hand clients to code that wraps objects in a Proxy (Vue's `reactive()`, Pinia state, MobX):
 * methods then run with the proxy as `this`, so a client must not keep its state where only the
 * original object can reach it (ES `#private` fields).
 */
describe('a client behind a Proxy', () => {
  const clients: Array<[string, () => FlagClient]> = [
    ['createFlagClient', () => clientOn(testSource({ on: true }), virtualTime(), { bootstrap: { on: true } })],
    ['createMockClient', () => createMockClient({ flags: { on: true } })],
  ];

  it.each(clients)('%s answers every read and command through the proxy', async (_name, make) => {
    const client = make();
    const proxied = new Proxy(client, {});
    expect(proxied.bool('on')).toBe(true);
    expect(proxied.evaluate('on').value).toBe(true);
    expect(proxied.snapshot.get('on')?.value).toBe(true);
    expect(proxied.status.state).toBeDefined();
    expect(await firstValueFrom(proxied.bool$('on'))).toBe(true);
    expect(await firstValueFrom(proxied.flag$('on'))).toMatchObject({ value: true });
    proxied.track({ flagKey: 'on', eventName: 'viewed', userId: 'u1' });
    proxied.close();
    expect(proxied.status.state).toBe('closed');
  });
});
