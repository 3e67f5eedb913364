/**
 * Fleet mode in one process: clients with `redisFleet` on a real redis-server and the local
 * server. Roles in status and events, shared snapshotFor results, lease release on close, context
 * switches, and option errors.
 */
import { describe, expect, it } from 'vitest';
import { filter, firstValueFrom, timeout, toArray, take } from 'rxjs';
import { ConfigError, createFlagClient, cuttlegate, type ClientEvent, type FlagClient } from '../../lib/index.js';
import { redisFleet } from '../../lib/stores/index.js';
import { testSource } from '../../lib/testing/index.js';
import { redisAvailable } from '../support/redis.js';
import { useFleetWorld } from './in-process.js';
import { PROD_KEY, demoFlags } from '../server/fixtures.js';

describe.skipIf(!redisAvailable)('fleet mode in one process (real Redis)', () => {
  const world = useFleetWorld(demoFlags);
  let run = 0;

  function member(options: { userId?: string } = {}): FlagClient {
    const client = createFlagClient({
      transport: cuttlegate({ serverUrl: world.server().url, apiKey: PROD_KEY, project: 'demo', environment: 'production' }),
      context: options.userId ? { userId: options.userId } : {},
      pollIntervalMs: 0,
      logger: { warn() {}, error() {} },
      fleet: redisFleet(world.redis(), { prefix: `unit${run}:`, leaseMs: 1_500 }),
    });
    world.track(client);
    return client;
  }

  const role = (client: FlagClient, wanted: string): Promise<unknown> =>
    firstValueFrom(client.status$.pipe(filter((status) => status.role === wanted), timeout(5_000)));

  it('reports the role in status and events; the follower is ready from the leader’s snapshot', async () => {
    run += 1;
    const leader = member();
    const leaderEvents = firstValueFrom(leader.events$.pipe(filter((e) => e.type.startsWith('fleet-')), take(1), toArray()));
    await leader.ready();
    await role(leader, 'leader');
    expect(await leaderEvents).toEqual([{ type: 'fleet-leader', at: expect.any(String) }]);

    world.server().resetRequests();
    const follower = member();
    const events: ClientEvent[] = [];
    follower.events$.subscribe((event) => events.push(event));
    const ready = await follower.ready();
    expect(ready).toEqual({ ok: true, source: 'network' });
    expect(follower.status).toMatchObject({ role: 'follower', state: 'ready', source: 'network', streaming: false });
    expect(events.map((e) => e.type)).toContain('fleet-follower');
    expect(follower.bool('dark-mode')).toBe(leader.bool('dark-mode'));
    expect(world.server().requests.total).toBe(0);
  });

  it('shares snapshotFor results: a context is evaluated once for the fleet per change', async () => {
    run += 1;
    const leader = member();
    await leader.ready();
    await role(leader, 'leader');
    // Once streaming: the stream's (re)connect is a change the fleet learns of, and moves the shared key on.
    await firstValueFrom(leader.status$.pipe(filter((status) => status.streaming), timeout(5_000)));
    const follower = member();
    await follower.ready();
    world.server().resetRequests();
    const pro = { userId: 'u-9', attributes: { plan: 'pro' } };
    const first = await follower.snapshotFor(pro);
    const second = await leader.snapshotFor({ attributes: { plan: 'pro' }, userId: 'u-9' });
    expect(first.bool('dark-mode')).toBe(true);
    expect(second.values()).toEqual(first.values());
    expect(world.server().requests.bulk).toBe(1);
  });

  it('close() releases the lease: a follower takes over well before it would lapse', async () => {
    run += 1;
    const first = member();
    await first.ready();
    await role(first, 'leader');
    const second = member();
    await second.ready();
    await role(second, 'follower');
    const closedAt = Date.now();
    first.close();
    await role(second, 'leader');
    // Released: taken on the follower's next claim (every leaseMs / 3 ± 20 %), not after the 1.5 s lease.
    expect(Date.now() - closedAt).toBeLessThan(1_000);
  });

  it('each context is its own scope: identify() moves a client to the new context’s leader', async () => {
    run += 1;
    const a = member({ userId: 'user-1' });
    await a.ready();
    await role(a, 'leader');
    const b = member({ userId: 'user-2' });
    await b.ready();
    await role(b, 'leader'); // another scope, another lease
    await b.identify({ userId: 'user-1' });
    await role(b, 'follower');
    expect(b.bool('dark-mode')).toBe(true); // user-1 is in the beta segment
    expect(a.status.role).toBe('leader');
    // A leader that moves to a context nobody leads leads it, and shares that context's snapshot.
    await a.identify({ userId: 'user-3' });
    const c = member({ userId: 'user-3' });
    await c.ready();
    expect(c.status.role).toBe('follower');
    expect(c.bool('dark-mode')).toBe(false);
    expect(a.bool('dark-mode')).toBe(false);
  });

  it('a Redis that does not answer is bounded by timeoutMs: the client goes solo and loads by itself', async () => {
    const hanging = { sendCommand: () => new Promise<never>(() => {}), duplicate: () => { throw new Error('not used'); } };
    world.server().resetRequests();
    const client = createFlagClient({
      transport: cuttlegate({ serverUrl: world.server().url, apiKey: PROD_KEY, project: 'demo', environment: 'production' }),
      pollIntervalMs: 0,
      logger: { warn() {}, error() {} },
      fleet: redisFleet(hanging as never, { leaseMs: 1_500, timeoutMs: 200 }),
    });
    world.track(client);
    const solo = firstValueFrom(client.events$.pipe(filter((e) => e.type === 'fleet-solo'), timeout(3_000)));
    expect(await client.ready()).toEqual({ ok: true, source: 'network' });
    expect(await solo).toMatchObject({ type: 'fleet-solo', error: { name: 'TimeoutError' } });
    expect(client.status.role).toBe('solo');
    expect(world.server().requests.bulk).toBe(1);
  });

  it('clients given one redisFleet option share one subscriber connection', async () => {
    const fleet = redisFleet(world.redis(), { prefix: 'shared-sub:', leaseMs: 1_500 });
    const transport = cuttlegate({ serverUrl: world.server().url, apiKey: PROD_KEY, project: 'demo', environment: 'production' });
    const make = (): FlagClient => {
      const client = createFlagClient({ transport, pollIntervalMs: 0, logger: { warn() {}, error() {} }, fleet });
      world.track(client);
      return client;
    };
    const leader = make();
    await leader.ready();
    await role(leader, 'leader');
    const followers = [make(), make()];
    await Promise.all(followers.map((client) => client.ready()));
    expect(followers.map((client) => client.status.role)).toEqual(['follower', 'follower']);
    const [channel] = (await world.redis().sendCommand(['PUBSUB', 'CHANNELS', 'shared-sub:*'])) as string[];
    expect(await world.redis().sendCommand(['PUBSUB', 'NUMSUB', channel!])).toEqual([channel, 1]);
  });

  it('rejects a transport without identity and a value that is not a Redis client', () => {
    const source = testSource();
    const anonymous = { kind: 'bare', connect: source.connect.bind(source) }; // a transport with no identity
    expect(() => createFlagClient({ transport: anonymous, fleet: redisFleet(world.redis()) })).toThrow(ConfigError);
    expect(() => redisFleet({} as never)).toThrow(ConfigError);
    expect(() => redisFleet(world.redis(), { leaseMs: 0 })).toThrow(ConfigError);
  });
});
