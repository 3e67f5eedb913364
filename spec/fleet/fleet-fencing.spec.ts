/**
 * Leaderships kept in order on Redis (one process, real redis-server, the local server): a renewal
 * that crosses a publish still on its way does not republish the same flags, a lease and
 * snapshot written back by a lagging replica (a term older than the followers have seen) never
 * make them serve the old leader's flags, and a leader paused past its lease follows the one that
 * took it as soon as it hears it. Each check reads the values AND the status.
 */
import { createClient } from 'redis';
import { asyncScheduler, type SchedulerAction, type SchedulerLike } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createFlagClient, cuttlegate, type FlagChange, type FlagClient } from '../../lib/index.js';
import { fleetHost } from '../../lib/client/features/fleet-host.js';
import { FleetLink, type FleetOption } from '../../lib/client/features/fleet-link.js';
import { RedisCoordinator } from '../../lib/stores/fleet/redis-coordinator.js';
import { digest } from '../../lib/stores/fleet/wire.js';
import { redisConnection, type RedisConnection } from '../../lib/stores/redis-connection.js';
import { redisFleet } from '../../lib/stores/index.js';
import { redisAvailable } from '../support/redis.js';
import { useFleetWorld } from './in-process.js';
import { flag, linkMember } from './link-member.js';
import { until } from './members.js';
import { PROD_KEY, demoFlags } from '../server/fixtures.js';

const LEASE_MS = 1_500;

/** A scheduler whose actions wait while it is held (a paused process, as far as the timers it drives go) and run when released. */
function holdable(): SchedulerLike & { hold(): void; release(): void } {
  let held: Array<() => void> | undefined;
  return {
    now: () => asyncScheduler.now(),
    schedule: <T>(work: (this: SchedulerAction<T>, state?: T) => void, delay?: number, state?: T) =>
      asyncScheduler.schedule<T>(function (this: SchedulerAction<T>, value?: T) {
        const run = (): void => work.call(this, value);
        if (held) held.push(run);
        else run();
      }, delay, state),
    hold: () => void (held = []),
    release() {
      const due = held ?? [];
      held = undefined;
      for (const run of due) run();
    },
  };
}

describe.skipIf(!redisAvailable)('fleet leaderships in order (one process, real Redis)', () => {
  const world = useFleetWorld(demoFlags, (w) => w.server().toggle('demo', 'production', 'dark-mode', true));
  let run = 0;

  function member(fleet: FleetOption): FlagClient {
    const transport = cuttlegate({ serverUrl: world.server().url, apiKey: PROD_KEY, project: 'demo', environment: 'production' });
    return world.track(createFlagClient({ transport, pollIntervalMs: 0, logger: { warn() {}, error() {} }, fleet }));
  }

  /** Three members of a fleet under a fresh prefix, once one leads and each holds the flags. */
  async function threeMembers(): Promise<{ prefix: string; clients: FlagClient[] }> {
    const prefix = `fence${(run += 1)}:`;
    const fleet = redisFleet(world.redis(), { prefix, leaseMs: LEASE_MS });
    const clients = [member(fleet), member(fleet), member(fleet)];
    await Promise.all(clients.map((client) => client.ready()));
    await until(() => clients.filter((client) => client.status.role === 'leader').length === 1 && clients.every((client) => client.evaluate('dark-mode').enabled), 3_000, 'one leader, the flags everywhere');
    return { prefix, clients };
  }

  /**
   * For two leases after a failover restored a lease (`leaseKey` holding `holder`): each time a
   * client served the restored snapshot's flags (dark-mode on), with its role and state, and how
   * soon the restored lease was taken, ms.
   */
  async function watchRestored(clients: FlagClient[], leaseKey: string, holder: string): Promise<{ seen: string[]; replacedIn: number }> {
    const restoredAt = Date.now();
    let replacedIn = Infinity;
    const seen: string[] = [];
    while (Date.now() < restoredAt + LEASE_MS * 2) {
      for (const client of clients) {
        const { state, role } = client.status;
        if (client.evaluate('dark-mode').enabled) seen.push(`${role} ${state} serves the restored flags`);
      }
      if (replacedIn === Infinity && (await world.redis().get(leaseKey)) !== holder) replacedIn = Date.now() - restoredAt;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return { seen, replacedIn };
  }

  /** Counts the notices of kind `kind` ('snapshot', 'health', 'released') published under the run's prefix. */
  async function notices(prefix: string, kind: string): Promise<{ count(): number; close(): Promise<void> }> {
    const subscriber = createClient({ url: world.redisServer().url });
    await subscriber.connect();
    let count = 0;
    await subscriber.pSubscribe(`${prefix}*`, (message) => void (message.split(' ')[0] === kind && (count += 1)));
    return { count: () => count, close: () => subscriber.close() };
  }

  it('a renewal sent while a publish’s answer is on its way (a slow link to Redis) republishes nothing: one notice per publish, one change on the follower', async () => {
    const prefix = `fence${(run += 1)}:`;
    // The answer to each PUBLISH script arrives 700 ms after Redis ran it: longer than the beat
    // (leaseMs / 3), so a renewal always goes out meanwhile, still naming the version before.
    const real = redisConnection(world.redis());
    const slow: RedisConnection = {
      ...real,
      eval: async (script, keys, args) => {
        const answer = await real.eval(script, keys, args);
        if (script.includes("'snapshot ")) await new Promise((resolve) => setTimeout(resolve, 700));
        return answer;
      },
    };
    const coordinator = new RedisCoordinator(slow, { prefix, leaseMs: LEASE_MS, timeoutMs: 1_000, sharedTtlMs: 1_000 });
    const fleet: FleetOption = { attach: (client) => new FleetLink(coordinator.retain(), fleetHost(client)) };
    const leader = member(fleet);
    await leader.ready();
    await until(() => leader.status.role === 'leader' && leader.status.streaming, 5_000, 'the leader to stream');
    const follower = member(fleet);
    await follower.ready();
    await until(() => follower.status.role === 'follower' && follower.evaluate('dark-mode').enabled, 3_000, 'the follower to apply the snapshot', () => JSON.stringify([follower.status, leader.status, follower.evaluate('dark-mode')]));
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // the first publishes' answers are in
    const heard = await notices(prefix, 'snapshot');
    const changes: FlagChange[] = [];
    follower.changes$.subscribe((change) => void changes.push(change));
    try {
      // Quiet: the renewals alone publish nothing.
      await new Promise((resolve) => setTimeout(resolve, LEASE_MS));
      expect(heard.count()).toBe(0);
      world.server().toggle('demo', 'production', 'dark-mode', false);
      await until(() => !follower.evaluate('dark-mode').enabled, 3_000, 'the change on the follower');
      await new Promise((resolve) => setTimeout(resolve, LEASE_MS * 2)); // several renewals, each crossing nothing
      // The stream's event (a change the fleet learns of: a new version) and the new flags: two publishes, no more.
      expect(heard.count()).toBe(2);
      expect(changes.map(({ key, current }) => [key, current?.enabled])).toEqual([['dark-mode', false]]);
      expect(follower.status).toMatchObject({ role: 'follower', state: 'ready', source: 'network' });
    } finally {
      await heard.close();
    }
  });
  it('a leader’s own notices are no news to it: 10 changes 10 ms apart run 10 PUBLISH scripts and no CLAIM (its next renewal is a third of a lease away)', async () => {
    const prefix = `fence${(run += 1)}:`;
    const real = redisConnection(world.redis());
    const scripts: string[] = [];
    const counted: RedisConnection = { ...real, eval: (script, keys, args) => (scripts.push(script), real.eval(script, keys, args)) };
    const coordinator = new RedisCoordinator(counted, { prefix, leaseMs: 30_000, timeoutMs: 1_000, sharedTtlMs: 1_000 }).retain();
    const leader = linkMember(coordinator);
    await until(() => leader.role() === 'leader', 3_000, 'the leader');
    const heard = await notices(prefix, 'snapshot');
    await new Promise((resolve) => setTimeout(resolve, 100)); // its first publish and subscription are done
    const before = scripts.length;
    try {
      for (let i = 0; i < 10; i += 1) {
        leader.link.changed([flag(i % 2 === 1)]);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await until(() => heard.count() === 10, 2_000, 'the 10 notices');
      await new Promise((resolve) => setTimeout(resolve, 100)); // what they would set off has run
      const ran = scripts.slice(before).map((script) => (script.includes("'snapshot") ? 'PUBLISH' : script.includes("'health") ? 'CLAIM' : 'other'));
      expect(ran).toEqual(Array(10).fill('PUBLISH'));
      expect(leader.role()).toBe('leader');
    } finally {
      await heard.close();
      leader.link.close();
    }
  });

  it('the term key lost under a live leader (evicted: allkeys-lru, or deleted): no follower takes its lease, every process keeps its role, ready', async () => {
    const { prefix, clients } = await threeMembers();
    const roles = (): string => clients.map((client) => client.status.role).join();
    const before = roles();
    const redis = world.redis();
    const [termKey] = await redis.keys(`${prefix}fleet:{*}:term`);
    expect(termKey).toBeDefined();
    // The key goes again and again (the leader's renewal writes it back): the followers claim meanwhile, several times each.
    const seen = new Set<string>();
    const endAt = Date.now() + LEASE_MS * 2;
    while (Date.now() < endAt) {
      await redis.del(termKey!);
      seen.add(roles());
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect([...seen]).toEqual([before]);
    for (const client of clients) expect(client.status).toMatchObject({ state: 'ready', source: 'network' });
  });
  it('a lagging replica brings a dead leader’s lease and snapshot back: no follower serves its flags, none says ready with them, and one process leads again within a beat', async () => {
    const prefix = `fence${(run += 1)}:`;
    const fleet = redisFleet(world.redis(), { prefix, leaseMs: LEASE_MS });
    const first = member(fleet);
    await first.ready();
    await until(() => first.status.role === 'leader', 3_000, 'the first leader');
    const others = [member(fleet), member(fleet)];
    await Promise.all(others.map((client) => client.ready()));
    await until(() => others.every((client) => client.evaluate('dark-mode').enabled), 3_000, 'the followers to apply the first snapshot');
    // What a replica that stopped replicating now holds: the first leadership's lease, heartbeat and snapshot.
    const redis = world.redis();
    const keys = (await redis.keys(`${prefix}fleet:{*`)).filter((key) => !key.endsWith(':changed'));
    const saved = await Promise.all(keys.map(async (key) => ({ key, value: await redis.get(key), ttl: await redis.pTTL(key) })));
    first.close(); // it dies: the lease goes to another process, which loads and shares a change
    world.server().toggle('demo', 'production', 'dark-mode', false);
    await until(() => others.some((client) => client.status.role === 'leader'), LEASE_MS * 2, 'a new leader');
    const ready = (client: FlagClient): boolean => client.status.state === 'ready' && !client.evaluate('dark-mode').enabled;
    await until(() => others.every(ready), 3_000, 'the change everywhere');
    // The failover: the old leadership's keys come back (the lease for another whole lease).
    for (const { key, value, ttl } of saved) {
      if (value === null) continue;
      await redis.set(key, value, ttl > 0 ? { PX: Math.max(ttl, LEASE_MS) } : undefined);
    }
    const lease = saved.find(({ key }) => key.endsWith(':lease'))!;
    const { seen, replacedIn } = await watchRestored(others, lease.key, lease.value!);
    expect(seen).toEqual([]);
    // Its lease is void: taken afresh at the next claim (a beat, leaseMs / 3 ± 20 %), not waited out.
    expect(replacedIn).toBeLessThan((LEASE_MS / 3) * 1.2 + 200);
    expect(others.map((client) => client.status.role).sort()).toEqual(['follower', 'leader']);
    for (const client of others) expect(client.status).toMatchObject({ state: 'ready', source: 'network' });
    // The fleet goes on: the next change reaches both.
    world.server().toggle('demo', 'production', 'dark-mode', true);
    await until(() => others.every((client) => client.status.state === 'ready' && client.evaluate('dark-mode').enabled), 3_000, 'the next change everywhere');
  });
  it('a lease without a stored term: kept while its snapshot has a term, or there is none, or the claimant knows no term; void to a claimant that knows one when its snapshot has none (an older release\'s)', async () => {
    const prefix = `fence${(run += 1)}:`;
    const coordinator = new RedisCoordinator(redisConnection(world.redis()), { prefix, leaseMs: LEASE_MS, timeoutMs: 1_000, sharedTtlMs: 1_000 });
    const redis = world.redis();
    const key = `${prefix}fleet:{${digest('s')}}:`;
    const record = (term?: number): string => JSON.stringify({ epoch: 'other.1', version: 1, term, at: '', flags: [] });
    const claim = async (snapshot: string | undefined, known: number) => {
      await redis.del([`${key}term`, `${key}snapshot`]);
      await redis.set(`${key}lease`, 'other', { PX: LEASE_MS });
      if (snapshot) await redis.set(`${key}snapshot`, snapshot);
      const { held, term } = await coordinator.claim('s', 'me', { state: 'ready', since: '' }, { epoch: '', version: 0, term: known });
      return { held, term, snapshot: await redis.get(`${key}snapshot`) };
    };
    expect(await claim(undefined, 5)).toEqual({ held: false, term: undefined, snapshot: null });
    expect(await claim(record(3), 5)).toEqual({ held: false, term: undefined, snapshot: record(3) });
    expect(await claim(record(), 0)).toEqual({ held: false, term: undefined, snapshot: record() });
    expect(await claim(record(), 5)).toEqual({ held: true, term: 6, snapshot: null });
    // A read says the stored term, which a record without one counts as (0: none stored).
    expect((await coordinator.read('s')).term).toBe(6);
    await redis.del(`${key}term`);
    expect((await coordinator.read('s')).term).toBe(0);
  });

  it('a lagging replica brings back what an older release left before the fleet\'s first term (a live lease, a snapshot without a term, no term key): no follower serves its flags, none says ready with them, and one process leads again within a beat', async () => {
    const { prefix, clients } = await threeMembers();
    const redis = world.redis();
    const key = (await redis.keys(`${prefix}fleet:{*}:term`))[0]!.slice(0, -'term'.length);
    // What an older release's leader wrote (it knew no terms): its lease, heartbeat and a snapshot of today's flags.
    const { flags } = JSON.parse((await redis.get(`${key}snapshot`))!) as { flags: unknown[] };
    const old = { lease: 'an-older-release', health: JSON.stringify({ state: 'ready', since: new Date().toISOString() }), snapshot: JSON.stringify({ epoch: 'an-older-release.1', version: 1, at: new Date().toISOString(), flags }) };
    world.server().toggle('demo', 'production', 'dark-mode', false);
    const ready = (client: FlagClient): boolean => client.status.state === 'ready' && !client.evaluate('dark-mode').enabled;
    await until(() => clients.every(ready), 3_000, 'the change everywhere');
    // The failover: the replica holds the older release's keys, and no term key (none was written yet then).
    await redis.del(`${key}term`);
    await redis.set(`${key}lease`, old.lease, { PX: LEASE_MS });
    await redis.set(`${key}health`, old.health, { PX: LEASE_MS });
    await redis.set(`${key}snapshot`, old.snapshot);
    // Before any claim finds the lease void, the followers re-read at once (an app's refresh()).
    for (const client of clients) if (client.status.role === 'follower') void client.refresh().catch(() => undefined);
    const { seen, replacedIn } = await watchRestored(clients, `${key}lease`, old.lease);
    expect([...new Set(seen)]).toEqual([]);
    // Its lease is void for anyone who knows a term: taken afresh at the next claim, not waited out.
    expect(replacedIn).toBeLessThan((LEASE_MS / 3) * 1.2 + 200);
    expect(clients.map((client) => client.status.role).sort()).toEqual(['follower', 'follower', 'leader']);
    for (const client of clients) expect(client.status).toMatchObject({ state: 'ready', source: 'network' });
    world.server().toggle('demo', 'production', 'dark-mode', true);
    await until(() => clients.every((client) => client.status.state === 'ready' && client.evaluate('dark-mode').enabled), 3_000, 'the next change everywhere');
  });

  it('a leader paused past its lease, whose lease another process took under a newer term, follows as soon as it hears that leader: follower, no stream, the new leader’s flags, ready', async () => {
    const prefix = `fence${(run += 1)}:`;
    // The first member's link runs its timers on a scheduler the test holds: held, it renews nothing
    // (a process paused past its lease, as its lease sees it), while its client and Redis connections run on.
    const timers = holdable();
    const coordinator = new RedisCoordinator(redisConnection(world.redis()), { prefix, leaseMs: LEASE_MS, timeoutMs: 300, sharedTtlMs: 1_000 });
    const first = member({ attach: (client) => new FleetLink(coordinator.retain(), { ...fleetHost(client), scheduler: timers }) });
    await first.ready();
    await until(() => first.status.role === 'leader' && first.status.streaming, 3_000, 'the first leader to stream');
    const second = member(redisFleet(world.redis(), { prefix, leaseMs: LEASE_MS }));
    await second.ready();
    await until(() => second.status.role === 'follower' && second.evaluate('dark-mode').enabled, 3_000, 'the second to follow');
    const roles: Array<{ who: string; type: string; at: number }> = [];
    first.events$.subscribe(({ type }) => void roles.push({ who: 'first', type, at: Date.now() }));
    second.events$.subscribe(({ type }) => void roles.push({ who: 'second', type, at: Date.now() }));
    timers.hold();
    try {
      // The lease lapses unrenewed; the second takes it afresh (a newer term) and shares what it holds.
      await until(() => second.status.role === 'leader', LEASE_MS * 2, 'the second to take the lease');
      // Before its next renewal (it has none: its timers are held) the first follows.
      await until(() => first.status.role === 'follower', 500, 'the paused leader to follow', () => JSON.stringify(first.status));
      const led = roles.find(({ who, type }) => who === 'second' && type === 'fleet-leader')!;
      const followed = roles.find(({ who, type }) => who === 'first' && type === 'fleet-follower')!;
      console.log(`fleet fencing (real Redis): a paused leader follows ${followed.at - led.at} ms after another took its lease`);
      await until(() => world.server().streamCount === 1 && !first.status.streaming, 1_000, 'one stream: the new leader’s');
      expect(first.status).toMatchObject({ role: 'follower', state: 'ready', source: 'network', streaming: false });
      expect(first.evaluate('dark-mode').enabled).toBe(true);
      // A change now reaches it through the fleet alone (its own engine is off): the new leader's flags, ready.
      world.server().toggle('demo', 'production', 'dark-mode', false);
      await until(() => !first.evaluate('dark-mode').enabled, 3_000, 'the change on the deposed leader');
      expect(first.status).toMatchObject({ role: 'follower', state: 'ready', source: 'network', streaming: false });
      expect(second.status).toMatchObject({ role: 'leader', state: 'ready', source: 'network' });
    } finally {
      timers.release();
    }
    // Its renewals that waited run now: they find the lease taken; nothing changes.
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS));
    expect([first.status.role, second.status.role]).toEqual(['follower', 'leader']);
    expect(roles.filter(({ type }) => type.startsWith('fleet-')).map(({ who, type }) => `${who} ${type}`)).toEqual(['second fleet-leader', 'first fleet-follower']);
  });
});
