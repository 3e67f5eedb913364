/**
 * What a fleet leader shares is only ever what the network said for its scope's context: not the
 * previous context's flags after identify(), and not a bootstrap. Tabs on fake Web Locks and
 * BroadcastChannel (the same FleetLink drives Redis fleets), real time, bounded waits.
 */
import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthError, FleetLeaderError, NetworkError, createFlagClient, cuttlegate, type ClientStatus, type FlagClient, type FlagClientOptions, type Transport } from '../../lib/index.js';
import { startServer, type FlagServer } from '../../lib/server/index.js';
import { PROD_KEY, demoFlags } from '../server/fixtures.js';
import { fleetHost } from '../../lib/client/features/fleet-host.js';
import { FleetLink } from '../../lib/client/features/fleet-link.js';
import { memoryStore, type FleetOption } from '../../lib/stores/index.js';
import { TabCoordinator } from '../../lib/stores/fleet/tab-coordinator.js';
import { testSource, type TestSource } from '../../lib/testing/index.js';
import { FakeOrigin } from './fake-tabs.js';

const quiet = { warn() {}, error() {} };
let clients: FlagClient[] = [];

afterEach(() => {
  for (const client of clients) client.close();
  clients = [];
});

/** A tab's fleet member; its coordinator's publishes each take `publishMs` more. */
function member(origin: FakeOrigin, id: number, source: TestSource | Transport, options: Partial<FlagClientOptions>, leaseMs = 3_000, publishMs = 0): FlagClient {
  const coordinator = new TabCoordinator(origin.tab(id), { name: 'default', leaseMs, timeoutMs: 1_000 });
  const publish = coordinator.publish.bind(coordinator);
  coordinator.publish = async (...args) => (await new Promise((resolve) => setTimeout(resolve, publishMs)), publish(...args));
  const fleet: FleetOption = { attach: (client) => new FleetLink(coordinator, fleetHost(client)) };
  const client = createFlagClient({ transport: source, fleet, streaming: false, pollIntervalMs: 0, logger: quiet, ...options });
  clients.push(client);
  return client;
}

const leads = (client: FlagClient): Promise<unknown> =>
  firstValueFrom(client.events$.pipe(filter((event) => event.type === 'fleet-leader'), timeout(5_000)));

describe('what a fleet leader shares', () => {
  it('after identify(), never the previous context’s flags under the new context’s scope', async () => {
    const origin = new FakeOrigin();
    const source = testSource({ owner: (context) => `secret-of-${context.userId}` });
    const alice = member(origin, 1, source, { context: { userId: 'alice' } });
    expect(await alice.ready()).toMatchObject({ ok: true, source: 'network' });
    source.fail(new NetworkError('down'));
    const led = leads(alice);
    const switched = alice.identify({ userId: 'bob' }).catch((error: Error) => error);
    await led; // alice's process now leads bob's scope, with alice's flags still in its snapshot
    const bob = member(origin, 2, source, { context: { userId: 'bob' } });
    const ready = await bob.ready({ timeoutMs: 500 });
    expect(bob.string('owner', 'none')).toBe('none');
    expect(ready.ok).toBe(false);
    expect(bob.status.source).not.toBe('network');
    expect(await switched).toBeInstanceOf(NetworkError);
  });

  it('never a bootstrap as if the network had said it', async () => {
    const origin = new FakeOrigin();
    const source = testSource({ 'dark-mode': true });
    source.delay(5_000);
    const leader = member(origin, 1, source, { bootstrap: { 'dark-mode': false }, timeoutMs: 8_000 });
    const led = leads(leader);
    void leader.ready();
    await led;
    const follower = member(origin, 2, source, { timeoutMs: 8_000 });
    const ready = await follower.ready({ timeoutMs: 500 });
    expect(follower.bool('dark-mode', true)).toBe(true); // its default: the leader's bootstrap is not shared
    expect(ready).toMatchObject({ ok: false });
    expect(follower.status.source).not.toBe('network');
  });

  it('a leader whose key is rejected at once ends solo with the error, never shown as leader after it', async () => {
    const origin = new FakeOrigin();
    const source = testSource({ a: true });
    source.fail(new AuthError(401));
    const client = member(origin, 1, source, {});
    expect(await client.ready()).toMatchObject({ ok: false, error: expect.any(AuthError) });
    expect(client.status).toMatchObject({ state: 'error', role: 'solo' });
  });

  /** A leader whose first load takes `loadMs` (still under way), and a follower of it with `timeoutMs`. */
  async function followerOfStartingLeader(loadMs: number, timeoutMs: number): Promise<FlagClient> {
    const origin = new FakeOrigin();
    const source = testSource({ a: true });
    source.delay(loadMs);
    const leader = member(origin, 1, source, { timeoutMs: 8_000 });
    const led = leads(leader);
    void leader.ready();
    await led;
    const follower = member(origin, 2, source, { timeoutMs });
    const follows = firstValueFrom(follower.events$.pipe(filter((event) => event.type === 'fleet-follower'), timeout(5_000)));
    void follower.ready({ timeoutMs: 100 });
    await follows;
    return follower;
  }

  it('a follower’s refresh() while its leader’s first load is under way settles with that load’s snapshot, as a load of its own would', async () => {
    const follower = await followerOfStartingLeader(400, 3_000);
    await follower.refresh();
    expect(follower.bool('a', false)).toBe(true);
    expect(follower.status).toMatchObject({ state: 'ready', source: 'network', role: 'follower' });
  });

  it('a follower’s refresh() fails with FleetLeaderError when its leader shares nothing within the client’s timeout, instead of hanging', async () => {
    const follower = await followerOfStartingLeader(5_000, 300);
    const started = Date.now();
    await expect(follower.refresh()).rejects.toBeInstanceOf(FleetLeaderError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(follower.bool('a', false)).toBe(false);
  });

  /** The local server, where `dark-mode` is on for a `signedUp` attribute in 2020. */
  async function signedUpIn2020(): Promise<FlagServer> {
    const flags = demoFlags();
    const rules = flags.projects[0]!.flags![0]!.environments!.production!.rules!;
    rules.unshift({ priority: 0, conditions: [{ attribute: 'signedUp', operator: 'starts_with', values: ['2020'] }], variant: 'true' });
    return startServer({ flags, logger: quiet });
  }

  it('a follower whose context is keyed like its leader’s gets what the server says for its own context (a date attribute, sent as its ISO text)', async () => {
    const server = await signedUpIn2020();
    try {
      const transport = cuttlegate({ serverUrl: server.url, apiKey: PROD_KEY, project: 'demo', environment: 'production' });
      const origin = new FakeOrigin();
      const signedUp = '2020-01-01T00:00:00.000Z';
      const leader = member(origin, 1, transport, { context: { userId: 'u', attributes: { signedUp } } });
      const led = leads(leader);
      await leader.ready();
      await led;
      const asDate = { userId: 'u', attributes: { signedUp: new Date(signedUp) } };
      const solo = createFlagClient({ transport, context: asDate, streaming: false, pollIntervalMs: 0, logger: quiet });
      clients.push(solo);
      const follower = member(origin, 2, transport, { context: asDate });
      expect(await solo.ready()).toMatchObject({ ok: true, source: 'network' });
      expect(await follower.ready()).toMatchObject({ ok: true, source: 'network' });
      expect(follower.status).toMatchObject({ state: 'ready', role: 'follower' });
      expect(follower.bool('dark-mode', false)).toBe(solo.bool('dark-mode', false));
      expect(solo.bool('dark-mode', false)).toBe(true);
    } finally {
      for (const client of clients) client.close();
      await server.close();
    }
  });

  it('a date the app changes in place after identify() changes neither what the leader sends nor what its scope’s followers get', async () => {
    const server = await signedUpIn2020();
    try {
      const transport = cuttlegate({ serverUrl: server.url, apiKey: PROD_KEY, project: 'demo', environment: 'production' });
      const origin = new FakeOrigin();
      const signedUp = new Date('2020-01-01T00:00:00Z');
      const leader = member(origin, 1, transport, {});
      const led = leads(leader);
      await leader.identify({ userId: 'u', attributes: { signedUp } });
      await led;
      expect(leader.bool('dark-mode', false)).toBe(true);
      signedUp.setUTCFullYear(2024); // the app's own object, reused for something else
      await leader.refresh();
      const follower = member(origin, 2, transport, { context: { userId: 'u', attributes: { signedUp: new Date('2020-01-01T00:00:00Z') } } });
      expect(await follower.ready()).toMatchObject({ ok: true, source: 'network' });
      expect(follower.status).toMatchObject({ state: 'ready', role: 'follower' });
      expect(leader.bool('dark-mode', false)).toBe(true);
      expect(follower.bool('dark-mode', false)).toBe(true);
    } finally {
      for (const client of clients) client.close();
      await server.close();
    }
  });

  /** A follower serving its store record (stale) while its leader's loads fail; then the leader's load succeeds. */
  async function followerOfRecoveringLeader(leaseMs: number, publishMs: number): Promise<void> {
    const store = memoryStore();
    const source = testSource({ a: true });
    const seed = createFlagClient({ transport: source, store, streaming: false, pollIntervalMs: 0, logger: quiet });
    await seed.ready();
    seed.close(); // writes its record
    await new Promise((resolve) => setTimeout(resolve, 10));
    source.set('a', false);
    source.fail(new NetworkError('down'));
    const origin = new FakeOrigin();
    const leader = member(origin, 1, source, { store, circuitBreaker: false }, leaseMs, publishMs);
    const led = leads(leader);
    expect(await leader.ready()).toMatchObject({ source: 'store' });
    await led;
    const follower = member(origin, 2, source, { store, circuitBreaker: false }, leaseMs, publishMs);
    expect(await follower.ready()).toMatchObject({ source: 'store' });
    expect([follower.bool('a', false), follower.status.state, follower.status.role]).toEqual([true, 'stale', 'follower']);
    const seen: ClientStatus[] = [];
    follower.status$.subscribe((status) => void seen.push(status));
    source.recover();
    await leader.refresh();
    await firstValueFrom(follower.status$.pipe(filter((s) => s.state === 'ready' && s.source === 'network'), timeout(3_000)));
    expect(follower.bool('a', true)).toBe(false);
    expect(seen.filter((s) => s.state === 'ready' && s.source !== 'network')).toEqual([]);
  }

  it('a follower serving its store record never says ready with it: the leader’s heartbeat does not run ahead of the snapshot it vouches for', async () => {
    await followerOfRecoveringLeader(3_000, 0);
  });

  it('nor does a renewal sent while that snapshot’s publish is under way (a short lease, a slow publish)', async () => {
    await followerOfRecoveringLeader(600, 500);
  });
  it('a follower that takes over keeps its stale state but not its last leader’s error: its own followers hear nothing wrong with a leader that is alive', async () => {
    const origin = new FakeOrigin();
    const source = testSource({ a: true });
    const leader = member(origin, 1, source, { circuitBreaker: false }, 600);
    const led = leads(leader);
    await leader.ready();
    await led;
    const followers = [member(origin, 2, source, {}, 600), member(origin, 3, source, {}, 600)];
    for (const follower of followers) expect(await follower.ready()).toMatchObject({ ok: true, source: 'network' });
    source.fail(new NetworkError('down'));
    await leader.refresh().catch(() => undefined);
    const leaderFails = (s: ClientStatus): boolean => s.state === 'stale' && /^fleet leader: NetworkError/.test(s.error?.message ?? '');
    await Promise.all(followers.map((follower) => firstValueFrom(follower.status$.pipe(filter(leaderFails), timeout(2_000)))));
    source.recover();
    source.delay(5_000); // the next leader's first load is under way throughout
    leader.close();
    const next = await Promise.race(followers.map((follower) => leads(follower).then(() => follower)));
    const other = followers.find((follower) => follower !== next)!;
    // Its status said "fleet leader: NetworkError …" about the leader that left, and its heartbeat passed that on:
    // "fleet leader: FleetLeaderError: fleet leader: NetworkError …" about itself, until its first load settled.
    const heard = await firstValueFrom(other.status$.pipe(filter((s) => s.role === 'follower' && !s.error), timeout(2_000)));
    expect([heard.state, next.status.state, next.status.error]).toEqual(['stale', 'stale', undefined]);
    expect([other.bool('a', false), next.bool('a', false)]).toEqual([true, true]);
  });
});
