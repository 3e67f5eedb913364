/**
 * Fleets that heal, in one process (real redis-server, the local server): lost Redis state is
 * rebuilt (FLUSHALL, an evicted snapshot), a leader stopped by a 401 hands over, followers mirror
 * the leader's upstream health, and shared `snapshotFor` results follow every change the fleet
 * learns of. Each check reads the value AND the status.
 */
import { describe, expect, it } from 'vitest';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { AuthError, FleetLeaderError, createFlagClient, cuttlegate, type ClientEvent, type ClientStatus, type FlagClient, type FlagStore } from '../../lib/index.js';
import { startServer, type FlagsDocument } from '../../lib/server/index.js';
import { memoryStore, redisFleet } from '../../lib/stores/index.js';
import { redisAvailable } from '../support/redis.js';
import { useFleetWorld } from './in-process.js';
import { PROD_KEY, demoFlags } from '../server/fixtures.js';
import { until } from './members.js';

const LEASE_MS = 1_500;
/** A second production key, revoked by some specs. */
const ROTATED_KEY = 'cg_demo_production_rotated_0123456789abcdefghijklmno';

/** demoFlags() with a second production key (or only PROD_KEY once `revoked`), and dark-mode's `pro` rule unless `withoutPro`. */
function fleetFlags(options: { revoked?: boolean; withoutPro?: boolean } = {}): FlagsDocument {
  const doc = demoFlags();
  const demo = doc.projects[0]!;
  demo.environments[0]!.apiKeys = options.revoked ? [PROD_KEY] : [PROD_KEY, ROTATED_KEY];
  if (options.withoutPro) demo.flags![0]!.environments!.production!.rules = demo.flags![0]!.environments!.production!.rules!.slice(1);
  return doc;
}

describe.skipIf(!redisAvailable)('fleets that heal (one process, real Redis)', () => {
  const world = useFleetWorld(fleetFlags, (w) => void w.server().setFlags(fleetFlags()));
  let run = 0;

  function member(options: { apiKey?: string; url?: string; fetch?: typeof fetch; store?: FlagStore; fleet?: boolean; timeoutMs?: number } = {}): FlagClient {
    const client = createFlagClient({
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.store ? { store: options.store } : {}),
      transport: cuttlegate({ serverUrl: options.url ?? world.server().url, apiKey: options.apiKey ?? PROD_KEY, project: 'demo', environment: 'production' }),
      pollIntervalMs: 0,
      circuitBreaker: false,
      logger: { warn() {}, error() {} },
      ...(options.fleet === false ? {} : { fleet: redisFleet(world.redis(), { prefix: `heal${run}:`, leaseMs: LEASE_MS }) }),
    });
    world.track(client);
    return client;
  }

  const status = (client: FlagClient, wanted: (status: ClientStatus) => boolean, what: string, timeoutMs = 5_000): Promise<ClientStatus> =>
    firstValueFrom(client.status$.pipe(filter(wanted), timeout({ first: timeoutMs, with: () => { throw new Error(`timed out waiting for ${what}: ${JSON.stringify(client.status)}`); } })));
  const role = (client: FlagClient, wanted: string): Promise<ClientStatus> => status(client, (s) => s.role === wanted, `role ${wanted}`);

  /** A leader, then `followers` followers, all ready. */
  async function fleet(followers: number, leaderKey = PROD_KEY): Promise<[FlagClient, ...FlagClient[]]> {
    run += 1;
    const leader = member({ apiKey: leaderKey });
    await leader.ready();
    await role(leader, 'leader');
    const rest = Array.from({ length: followers }, () => member());
    await Promise.all(rest.map((client) => client.ready()));
    for (const client of rest) expect(client.status.role).toBe('follower');
    return [leader, ...rest];
  }

  /** Toggles dark-mode and resolves once every client serves it with `ready` status. */
  async function toggleReaches(among: readonly FlagClient[], enabled: boolean, timeoutMs = 2_000): Promise<void> {
    world.server().toggle('demo', 'production', 'dark-mode', enabled);
    await until(
      () => among.every((client) => client.evaluate('dark-mode').enabled === enabled && client.status.state === 'ready'),
      timeoutMs,
      `dark-mode = ${enabled} everywhere`,
      () => among.map((client) => `${client.evaluate('dark-mode').enabled} ${JSON.stringify(client.status)}`).join('\n'),
    );
  }

  const leaseKeys = async (): Promise<string[]> => (await world.redis().sendCommand(['KEYS', `heal${run}:*:lease`])) as string[];

  it('FLUSHALL: the leader re-claims and republishes; a joiner gets flags at once, old followers every next change', async () => {
    const [leader, follower] = await fleet(1);
    await toggleReaches([leader, follower], false);
    await world.redis().sendCommand(['FLUSHALL']);
    // Whoever claims the absent lease first republishes what it has.
    const deadline = Date.now() + LEASE_MS;
    while ((await leaseKeys()).length === 0) {
      if (Date.now() > deadline) throw new Error('the lease was not claimed again');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const joiner = member();
    const ready = await joiner.ready({ timeoutMs: LEASE_MS });
    expect(ready).toMatchObject({ ok: true, source: 'network' });
    expect(joiner.evaluate('dark-mode').enabled).toBe(false);
    for (const enabled of [true, false, true]) await toggleReaches([leader, follower, joiner], enabled);
  });

  it('an evicted snapshot key: the leader notices on its next renewal and republishes for a joiner', async () => {
    const [leader, follower] = await fleet(1);
    const [snapshotKey] = (await world.redis().sendCommand(['KEYS', `heal${run}:*:snapshot`])) as string[];
    await world.redis().sendCommand(['DEL', snapshotKey!]);
    const joiner = member();
    expect(await joiner.ready({ timeoutMs: LEASE_MS })).toMatchObject({ ok: true, source: 'network' });
    expect(joiner.status).toMatchObject({ state: 'ready', role: 'follower' });
    await toggleReaches([leader, follower, joiner], false);
  });

  it('an older snapshot of the same leadership comes back (a restore from an older backup, a failover to a lagging replica): the leader republishes on its next renewal, a joiner never serves it as ready', async () => {
    const [leader, follower] = await fleet(1);
    const [snapshotKey] = (await world.redis().sendCommand(['KEYS', `heal${run}:*:snapshot`])) as string[];
    const older = await world.redis().get(snapshotKey!); // dark-mode on, this leadership's first version
    await toggleReaches([leader, follower], false);
    await world.redis().set(snapshotKey!, older!); // the lease and its holder stay as they are
    // The leader's next renewal (within a third of a lease) finds a snapshot it did not write last, and writes its own again.
    const deadline = Date.now() + LEASE_MS;
    while ((await world.redis().get(snapshotKey!)) === older) {
      if (Date.now() > deadline) throw new Error('the leader did not republish over the older snapshot');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const joiner = member();
    expect(await joiner.ready({ timeoutMs: LEASE_MS })).toMatchObject({ ok: true, source: 'network' });
    expect([joiner.evaluate('dark-mode').enabled, joiner.status.state, joiner.status.role]).toEqual([false, 'ready', 'follower']);
    expect(follower.evaluate('dark-mode').enabled).toBe(false);
    await toggleReaches([leader, follower, joiner], true);
  });

  it('a leader whose key is revoked releases its lease; a follower with a good key leads and every change arrives', async () => {
    const [leader, ...followers] = await fleet(2, ROTATED_KEY);
    world.server().setFlags(fleetFlags({ revoked: true }));
    world.server().toggle('demo', 'production', 'dark-mode', false);
    const stopped = await status(leader, (s) => s.state === 'error', 'the leader to stop');
    expect(stopped.error).toBeInstanceOf(AuthError);
    expect(stopped.role).toBe('solo');
    await until(() => followers.some((client) => client.status.role === 'leader'), LEASE_MS + 1_000, 'a follower to lead');
    await until(() => followers.every((client) => client.evaluate('dark-mode').enabled === false && client.status.state === 'ready'), 2_000, 'the change to arrive');
    await toggleReaches(followers, true);
  });

  it("followers learn why a leader whose key is revoked left: its AuthError in their events$ (and status until the next leads), never a silent ready", async () => {
    const [leader, ...followers] = await fleet(2, ROTATED_KEY);
    const seen = followers.map((client) => {
      const record = { states: [] as ClientStatus[], events: [] as ClientEvent[] };
      client.status$.subscribe((s) => void record.states.push(s));
      client.events$.subscribe((e) => void record.events.push(e));
      return record;
    });
    world.server().setFlags(fleetFlags({ revoked: true }));
    world.server().toggle('demo', 'production', 'dark-mode', false);
    const stopped = await status(leader, (s) => s.state === 'error', 'the leader to stop');
    expect(stopped).toMatchObject({ role: 'solo', error: expect.any(AuthError) });
    const left = (error: Error | undefined): boolean => error instanceof FleetLeaderError && error.leaderError?.name === 'AuthError' && error.message.startsWith('fleet leader left: AuthError: ');
    // One follower leads; every member (the new leader too) reports why the old one left, once, as an `error` event.
    await until(() => followers.some((client) => client.status.role === 'leader'), LEASE_MS + 1_000, 'a follower to lead');
    expect(followers.map((client) => client.status.role).sort()).toEqual(['follower', 'leader']);
    const farewells = (i: number): number => seen[i]!.events.filter((e) => e.type === 'error' && left(e.error)).length;
    await until(() => farewells(0) > 0 && farewells(1) > 0, LEASE_MS, 'the farewell events', () => JSON.stringify(seen));
    expect([farewells(0), farewells(1)]).toEqual([1, 1]); // once each (in virtual time over a lease: tab-fleet.spec.ts)
    // Between the farewell and the next leader's first heartbeat, a follower's status said it.
    expect(seen.some(({ states }) => states.some((s) => s.state === 'error' && left(s.error)))).toBe(true);
    expect(JSON.stringify(seen)).not.toContain(ROTATED_KEY);
    // The follower with a good key leads: the change arrives everywhere, ready from the network.
    await until(() => followers.every((client) => client.evaluate('dark-mode').enabled === false && client.status.state === 'ready'), 2_000, 'the change to arrive');
    expect(leader.status).toMatchObject({ state: 'error', role: 'solo' });
  });

  it('a leader whose key is rejected from the start: followers with a good key do not stay without flags', async () => {
    run += 1;
    world.server().setFlags(fleetFlags({ revoked: true }));
    const rejected = member({ apiKey: ROTATED_KEY });
    expect(await rejected.ready()).toMatchObject({ ok: false, error: expect.any(AuthError) });
    const good = member();
    expect(await good.ready({ timeoutMs: LEASE_MS + 2_000 })).toMatchObject({ ok: true, source: 'network' });
    expect(good.status).toMatchObject({ state: 'ready', role: 'leader' });
    expect(rejected.status).toMatchObject({ state: 'error', role: 'solo' });
  });

  it('a fleet that stopped leaves its snapshot behind: a joiner never serves it as ready while the new leader has not loaded', async () => {
    const [leader, follower] = await fleet(1);
    await toggleReaches([leader, follower], false);
    leader.close();
    follower.close();
    world.server().toggle('demo', 'production', 'dark-mode', true); // changed while no process ran
    // The next leader's first load hangs (its requests never answer): it has nothing to share yet.
    const hanging = (_input: unknown, init?: RequestInit): Promise<Response> =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)));
    const deadline = Date.now() + LEASE_MS * 2;
    while ((await leaseKeys()).length > 0) {
      if (Date.now() > deadline) throw new Error('the lease was not given up');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const next = member({ fetch: hanging as typeof fetch });
    void next.ready(); // starts it
    await role(next, 'leader');
    const joiner = member();
    const ready = await joiner.ready({ timeoutMs: 300 });
    // Not the old fleet's dark-mode (switched off) as a fresh network value.
    expect(ready).toMatchObject({ ok: false, source: 'none' });
    expect(joiner.status).toMatchObject({ state: 'initializing', role: 'follower' });
    expect(joiner.evaluate('dark-mode').source).not.toBe('network');
  });

  it('a cold start while the server is down: a follower serves its own store record (stale, source store) as its leader does, then the network values once the leader loads', async () => {
    run += 1;
    const store = memoryStore();
    const seed = member({ store, fleet: false });
    await seed.ready();
    seed.close(); // its record is written on close
    await new Promise((resolve) => setTimeout(resolve, 50));
    world.server().toggle('demo', 'production', 'dark-mode', false); // changed while every process was down
    let down = true;
    const flaky = ((input: RequestInfo | URL, init?: RequestInit) => (down ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init))) as typeof fetch;
    const leader = member({ store, fetch: flaky });
    expect(await leader.ready({ timeoutMs: LEASE_MS })).toMatchObject({ ok: true, source: 'store' });
    await role(leader, 'leader');
    const follower = member({ store, fetch: flaky });
    expect(await follower.ready({ timeoutMs: LEASE_MS })).toMatchObject({ ok: true, source: 'store' });
    expect(follower.status).toMatchObject({ state: 'stale', source: 'store', role: 'follower' });
    expect(follower.evaluate('dark-mode')).toMatchObject({ enabled: true, source: 'store' });
    down = false;
    await until(
      () => [leader, follower].every((client) => client.evaluate('dark-mode').enabled === false && client.status.state === 'ready' && client.status.source === 'network'),
      5_000,
      'the network values everywhere',
      () => [leader, follower].map((client) => JSON.stringify(client.status)).join('\n'),
    );
  });

  it("a follower's refresh() and identify() settle while its leader has no flags to share (its loads fail): rejected with the leader's error", async () => {
    run += 1;
    const refused = (): Promise<Response> => Promise.reject(new TypeError('fetch failed'));
    const leader = member({ fetch: refused as typeof fetch });
    expect(await leader.ready({ timeoutMs: 2_000 })).toMatchObject({ ok: false, source: 'none' });
    expect(leader.status).toMatchObject({ state: 'error', role: 'leader' });
    const follower = member();
    const bounded = <T>(promise: Promise<T>): Promise<T | 'unsettled'> =>
      Promise.race([promise, new Promise<'unsettled'>((resolve) => setTimeout(() => resolve('unsettled'), LEASE_MS * 2))]);
    const refreshed = await bounded(follower.refresh().then(() => 'resolved', (error: unknown) => error));
    expect(refreshed).toBeInstanceOf(FleetLeaderError);
    expect(follower.status).toMatchObject({ state: 'error', role: 'follower' });
    // The same for the context the leader's process switches to (it still leads the new scope, still failing).
    await bounded(leader.identify({ userId: 'u-7' }).catch(() => undefined));
    const identified = await bounded(follower.identify({ userId: 'u-7' }).then(() => 'resolved', (error: unknown) => error));
    expect(identified).toBeInstanceOf(FleetLeaderError);
    expect(follower.evaluate('dark-mode').source).not.toBe('network');
  });

  it('a follower that takes over from a leader whose loads failed says stale, not ready, until a load of its own answers; so do its followers', async () => {
    run += 1;
    let mode: 'up' | 'down' | 'hang' = 'up';
    const controlled = ((input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      if (mode === 'up') return fetch(input, init);
      if (mode === 'down') return Promise.reject(new TypeError('fetch failed'));
      return new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)));
    }) as typeof fetch;
    const leader = member({ fetch: controlled });
    await leader.ready();
    await role(leader, 'leader');
    const followers = [member({ fetch: controlled, timeoutMs: 1_500 }), member({ fetch: controlled, timeoutMs: 1_500 })];
    await Promise.all(followers.map((client) => client.ready()));
    mode = 'down';
    await leader.refresh().catch(() => undefined);
    for (const client of followers) await status(client, (s) => s.state === 'stale', 'the follower to mirror stale', LEASE_MS * 2);
    const held = leader.evaluate('dark-mode').enabled;
    const states = followers.map((client) => {
      const seen: ClientStatus[] = [];
      client.status$.subscribe((s) => void seen.push(s));
      return seen;
    });
    mode = 'hang'; // the next leader's loads never answer (each times out after 1.5 s)
    leader.close();
    await until(() => followers.some((client) => client.status.role === 'leader'), LEASE_MS + 1_000, 'a follower to lead');
    const next = followers.find((client) => client.status.role === 'leader')!;
    const other = followers.find((client) => client !== next)!;
    // Its own first load times out; its follower hears that in its heartbeat.
    await status(next, (s) => s.error?.name === 'TimeoutError', 'the new leader to time out', 3_000);
    await status(other, (s) => (s.error as FleetLeaderError | undefined)?.leaderError?.name === 'TimeoutError', 'the follower to hear it', LEASE_MS * 2);
    for (const client of followers) expect(client.evaluate('dark-mode')).toMatchObject({ enabled: held });
    // No load answered since the leader said its values were stale: nobody said ready with them.
    expect(states.flat().filter((s) => s.state === 'ready')).toEqual([]);
  });

  it("identify() with the context a follower already has settles with its leader's snapshot, whether or not the flags change", async () => {
    const [, follower] = await fleet(1);
    const bounded = <T>(promise: Promise<T>): Promise<T | 'unsettled'> =>
      Promise.race([promise, new Promise<'unsettled'>((resolve) => setTimeout(() => resolve('unsettled'), LEASE_MS * 2))]);
    expect(await bounded(follower.identify({ ...follower.context }).then(() => 'resolved'))).toBe('resolved');
    expect(follower.status).toMatchObject({ state: 'ready', role: 'follower' });
  });

  it("followers mirror the leader's upstream health: stale with the leader's error while its loads fail; snapshotFor answers held", async () => {
    // A server of its own, to stop under the leader.
    const own = await startServer({ flags: fleetFlags(), logger: { warn() {}, error() {} } });
    try {
      run += 1;
      const leader = member({ url: own.url });
      await leader.ready();
      await role(leader, 'leader');
      const follower = member({ url: own.url });
      await follower.ready();
      expect(follower.status).toMatchObject({ state: 'ready', role: 'follower' });
      const pro = { userId: 'u-9', attributes: { plan: 'pro' } };
      const fresh = (await leader.snapshotFor(pro)).get('dark-mode')!; // shared for the fleet
      expect([fresh.value, fresh.reason]).toEqual([true, 'rule_match']);
      await own.close();
      await leader.refresh().catch(() => undefined);
      const mirrored = await status(follower, (s) => s.state === 'stale', 'the follower to say stale', LEASE_MS * 2);
      expect(mirrored.error).toBeInstanceOf(FleetLeaderError);
      const error = mirrored.error as FleetLeaderError;
      expect(error.leaderError?.name).toBe(leader.status.error?.name);
      expect(error.since).toBe(leader.status.since);
      expect(follower.evaluate('dark-mode').enabled).toBe(leader.evaluate('dark-mode').enabled);
      expect(JSON.stringify(mirrored.error?.message)).not.toContain(PROD_KEY);
      // A shared result loaded while the fleet was ready may predate the outage: it answers held, never as fresh.
      for (const client of [follower, leader]) {
        const held = (await client.snapshotFor(pro)).get('dark-mode')!;
        expect([held.value, held.reason, held.source, client.status.state]).toEqual([true, 'stale', 'network', 'stale']);
      }
    } finally {
      await own.close();
    }
  });

  it('snapshotFor: a change that affects only another context reaches the shared results of leader and follower', async () => {
    const [leader, follower] = await fleet(1);
    const pro = { userId: 'u-9', attributes: { plan: 'pro' } };
    expect((await follower.snapshotFor(pro)).bool('dark-mode')).toBe(true);
    expect((await leader.snapshotFor(pro)).bool('dark-mode')).toBe(true);
    const learned = Promise.all([leader, follower].map((client) => firstValueFrom(client.events$.pipe(filter((e) => e.type === 'refreshed'), timeout(3_000)))));
    world.server().setFlags(fleetFlags({ withoutPro: true })); // the main context's values do not change
    await learned;
    expect((await leader.snapshotFor(pro)).bool('dark-mode')).toBe(false);
    expect((await follower.snapshotFor(pro)).bool('dark-mode')).toBe(false);
  });
});
