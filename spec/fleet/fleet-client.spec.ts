/**
 * Fleet mode in one process: clients with `redisFleet` on real Redis (every accepted client: node-redis
 * and ioredis, on a standalone server and on a 3-master cluster) and the local server. Roles in status
 * and events, change notices by pub/sub, shared snapshotFor results, lease release on close, context
 * switches, refused commands, and option errors.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { filter, firstValueFrom, timeout, toArray, take } from 'rxjs';
import { ConfigError, createFlagClient, cuttlegate, type ClientEvent, type FlagClient } from '../../lib/index.js';
import { startServer, type FlagServer } from '../../lib/server/index.js';
import { RedisCommandError, redisFleet, type RedisClientLike } from '../../lib/stores/index.js';
import { testSource } from '../../lib/testing/index.js';
import { captureLog } from '../support/log-capture.js';
import { redisAvailable } from '../support/redis.js';
import { REDIS_KINDS, openClient, useRedisKind, useRedisServers, type RedisAdmin } from '../support/redis-kinds.js';
import { PROD_KEY, demoFlags } from '../server/fixtures.js';

describe.skipIf(!redisAvailable)('fleet mode in one process (real Redis)', () => {
  const servers = useRedisServers();
  let server: FlagServer;
  let clients: FlagClient[] = [];
  let run = 0;

  beforeAll(async () => {
    server = await startServer({ flags: demoFlags(), logger: { warn() {}, error() {} } });
  }, 20_000);

  afterEach(() => {
    for (const client of clients) client.close();
    clients = [];
  });

  afterAll(async () => {
    await server?.close();
  });

  const transport = () => cuttlegate({ serverUrl: server.url, apiKey: PROD_KEY, project: 'demo', environment: 'production' });

  function track(client: FlagClient): FlagClient {
    clients.push(client);
    return client;
  }

  const role = (client: FlagClient, wanted: string): Promise<unknown> =>
    firstValueFrom(client.status$.pipe(filter((status) => status.role === wanted), timeout(5_000)));

  describe.each(REDIS_KINDS)('with a %s client', (kind) => {
    const target = useRedisKind(kind, servers);
    let admin: RedisAdmin;
    beforeAll(() => {
      admin = servers.admin(kind);
    });

    function member(options: { userId?: string; leaseMs?: number } = {}): FlagClient {
      return track(
        createFlagClient({
          transport: transport(),
          context: options.userId ? { userId: options.userId } : {},
          pollIntervalMs: 0,
          logger: { warn() {}, error() {} },
          fleet: redisFleet(target().client, { prefix: `unit${run}:`, leaseMs: options.leaseMs ?? 1_500 }),
        }),
      );
    }

    /** A leader, then a follower of the same scope. */
    async function leaderAndFollower(options: { userId?: string; leaseMs?: number } = {}): Promise<[FlagClient, FlagClient]> {
      const leader = member(options);
      await leader.ready();
      await role(leader, 'leader');
      const follower = member(options);
      await follower.ready();
      await role(follower, 'follower');
      return [leader, follower];
    }

    it('reports the role in status and events; the follower is ready from the leader’s snapshot', async () => {
      run += 1;
      const leader = member();
      const leaderEvents = firstValueFrom(leader.events$.pipe(filter((e) => e.type.startsWith('fleet-')), take(1), toArray()));
      await leader.ready();
      await role(leader, 'leader');
      expect(await leaderEvents).toEqual([{ type: 'fleet-leader', at: expect.any(String) }]);

      server.resetRequests();
      const follower = member();
      const events: ClientEvent[] = [];
      follower.events$.subscribe((event) => events.push(event));
      const ready = await follower.ready();
      expect(ready).toEqual({ ok: true, source: 'network' });
      expect(follower.status).toMatchObject({ role: 'follower', state: 'ready', source: 'network', streaming: false });
      expect(events.map((e) => e.type)).toContain('fleet-follower');
      expect(follower.bool('dark-mode')).toBe(leader.bool('dark-mode'));
      expect(server.requests.total).toBe(0);
    });

    it('a change reaches a follower by its pub/sub notice, long before its next claim; keys carry no user id', async () => {
      run += 1;
      // With a 60 s lease the follower's next claim (and re-read) is 16 s or more away: only the notice can bring the change.
      const [, follower] = await leaderAndFollower({ userId: 'user-1', leaseMs: 60_000 });
      await server.waitForStreams(1);
      expect(follower.bool('dark-mode')).toBe(true);
      try {
        server.toggle('demo', 'production', 'dark-mode', false);
        await firstValueFrom(follower.bool$('dark-mode', true).pipe(filter((on) => !on), timeout(3_000)));
        expect(follower.status).toMatchObject({ role: 'follower', state: 'ready' });
      } finally {
        server.toggle('demo', 'production', 'dark-mode', true);
      }
      const keys = await admin.keys(`unit${run}:*`);
      expect(keys.length).toBeGreaterThanOrEqual(3);
      expect(keys.join('\n')).not.toMatch(/user-1|demo|cuttlegate/);
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
      await role(follower, 'follower');
      server.resetRequests();
      const pro = { userId: 'u-9', attributes: { plan: 'pro' } };
      const first = await follower.snapshotFor(pro);
      const second = await leader.snapshotFor({ attributes: { plan: 'pro' }, userId: 'u-9' });
      expect(first.bool('dark-mode')).toBe(true);
      expect(second.values()).toEqual(first.values());
      expect(server.requests.bulk).toBe(1);
    });

    it('close() releases the lease: a follower takes over well before it would lapse', async () => {
      run += 1;
      const [first, second] = await leaderAndFollower();
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

    it('clients given one redisFleet option share one subscriber connection', async () => {
      const prefix = `shared-sub-${kind.replace(' ', '-')}:`;
      const fleet = redisFleet(target().client, { prefix, leaseMs: 1_500 });
      const make = (): FlagClient => track(createFlagClient({ transport: transport(), pollIntervalMs: 0, logger: { warn() {}, error() {} }, fleet }));
      const leader = make();
      await leader.ready();
      await role(leader, 'leader');
      const followers = [make(), make()];
      await Promise.all(followers.map((client) => client.ready()));
      expect(followers.map((client) => client.status.role)).toEqual(['follower', 'follower']);
      const [channel, ...more] = await admin.channels(`${prefix}*`);
      expect(more).toEqual([]);
      expect(await admin.subscribers(channel!)).toBe(1);
    });

    it('a command Redis refuses (no permission for EVAL) makes the client solo, and the warning gives Redis’s reply, not “unreachable”', async () => {
      const user = `no-eval-${kind.replace(' ', '-')}`;
      await admin.everyNode(['ACL', 'SETUSER', user, 'on', '>no-eval-password', '~*', '&*', '+@all', '-eval']);
      const limited = await openClient(kind, target().urls, { username: user, password: 'no-eval-password' });
      const log = captureLog();
      const client = createFlagClient({
        transport: transport(),
        pollIntervalMs: 0,
        logger: log.logger,
        fleet: redisFleet(limited.client, { prefix: 'refused:', leaseMs: 1_500 }),
      });
      try {
        const solo = firstValueFrom(client.events$.pipe(filter((e) => e.type === 'fleet-solo'), timeout(3_000)));
        expect(await client.ready()).toEqual({ ok: true, source: 'network' });
        const event = (await solo) as ClientEvent & { error: Error };
        expect(event.error).toBeInstanceOf(RedisCommandError);
        expect(event.error).toMatchObject({ code: 'NOPERM', retryable: false });
        expect(log.lines.join('\n')).toMatch(/fleet store refused a command \(Redis refused EVAL: NOPERM .*eval/);
        expect(log.lines.join('\n')).not.toContain('unreachable');
      } finally {
        client.close();
        await limited.close();
      }
    });
  });

  it('a Redis that does not answer is bounded by timeoutMs: the client goes solo and loads by itself', async () => {
    const hanging = { sendCommand: () => new Promise<never>(() => {}), duplicate: () => { throw new Error('not used'); } };
    server.resetRequests();
    const client = track(
      createFlagClient({
        transport: transport(),
        pollIntervalMs: 0,
        logger: { warn() {}, error() {} },
        fleet: redisFleet(hanging as never, { leaseMs: 1_500, timeoutMs: 200 }),
      }),
    );
    const solo = firstValueFrom(client.events$.pipe(filter((e) => e.type === 'fleet-solo'), timeout(3_000)));
    expect(await client.ready()).toEqual({ ok: true, source: 'network' });
    expect(await solo).toMatchObject({ type: 'fleet-solo', error: { name: 'TimeoutError' } });
    expect(client.status.role).toBe('solo');
    expect(server.requests.bulk).toBe(1);
  });

  it('rejects a transport without identity and a value that is not an accepted Redis client', async () => {
    const { client: redis, close } = await openClient('node-redis', [servers.standalone().url]);
    try {
      const source = testSource();
      const anonymous = { kind: 'bare', connect: source.connect.bind(source) }; // a transport with no identity
      expect(() => createFlagClient({ transport: anonymous, fleet: redisFleet(redis) })).toThrow(ConfigError);
      expect(() => redisFleet(redis, { leaseMs: 0 })).toThrow(ConfigError);
      // Shapes the fleet accepted before and then failed on: get/set only, a sendCommand with no duplicate, nothing.
      const wrong: unknown[] = [{}, null, { get() {}, set() {} }, { sendCommand() {} }, { call() {}, duplicate() {} }];
      for (const value of wrong) expect(() => redisFleet(value as RedisClientLike)).toThrow(/^redis: must be a connected node-redis (.*) or ioredis (.*) client or cluster$/);
    } finally {
      await close();
    }
  });
});
