/**
 * Fleet mode end to end: real Redis, the local flag server, and fleet members as child processes
 * (spec/fleet/child.ts). Checks one leader per scope, zero upstream requests from followers, one
 * upstream request per change whatever the fleet size, leader failover, and a Redis outage
 * (everyone goes solo, then re-forms). Every accepted client runs the core cases (node-redis and
 * ioredis, on a standalone server and on a 3-master cluster); the 20-member fleet runs on
 * node-redis standalone, the outage on both standalone clients.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type FlagServer } from '../../lib/server/index.js';
import { redisAvailable } from '../support/redis.js';
import { REDIS_KINDS, onCluster, useRedisServers, type RedisKind } from '../support/redis-kinds.js';
import { ADMIN_KEY, PROD_KEY, demoFlags } from '../server/fixtures.js';
import { bundleMember, leaders, startMember, stopMembers, summary, until, type Member } from './members.js';

const FLAG = 'dark-mode';
const LEASE_MS = 2_000;

describe.skipIf(!redisAvailable)('fleet mode on Redis (child processes)', () => {
  const servers = useRedisServers();
  let server: FlagServer;
  let bundle: { file: string; remove(): Promise<void> };
  let members: Member[] = [];
  let group = 0;
  let enabled = true;

  beforeAll(async () => {
    [server, bundle] = await Promise.all([startServer({ flags: demoFlags(), logger: { warn() {}, error() {} } }), bundleMember()]);
    expect(ADMIN_KEY).toBeTruthy();
  }, 30_000);

  afterEach(async () => {
    await stopMembers(members);
    members = [];
  });

  afterAll(async () => {
    await stopMembers(members);
    await Promise.all([server?.close(), bundle?.remove()]);
  });

  describe.each(REDIS_KINDS)('with %s', (kind) => {
    /** Starts `count` members in a fresh key space; resolves once all serve the flag in one leader + followers. */
    async function startFleet(count: number, userIds: readonly string[] = ['']): Promise<Member[]> {
      group += 1;
      const env = { SERVER_URL: server.url, API_KEY: PROD_KEY, REDIS_KIND: kind, REDIS_URL: redisUrls(kind), LEASE_MS: String(LEASE_MS), TIMEOUT_MS: '1000', FLAG, PREFIX: `spec${group}:` };
      members = Array.from({ length: count }, (_, i) => startMember(bundle.file, { ...env, USER_ID: userIds[i % userIds.length]! }));
      // Starting 20 processes at once is CPU-bound: a member may go solo for a moment while the others
      // start. Formed: one leader, the rest followers, every value current, no role change for 1.5 s.
      const settled = (m: Member): boolean => m.lines.every((line) => !('role' in line) || Date.now() - line.receivedAt > 1_500);
      const formed = (): boolean =>
        members.every((m) => m.state.enabled === enabled && (m.state.role === 'leader' || m.state.role === 'follower') && settled(m)) &&
        leaders(members).length === userIds.length;
      await until(formed, 3_000 * count, `${count} members ready`, () => summary(members));
      return members;
    }

    /** Toggles the flag; resolves with the ms until every given member shows it. */
    async function toggle(among: readonly Member[], timeoutMs = 2_000): Promise<number> {
      enabled = !enabled;
      server.toggle('demo', 'production', FLAG, enabled);
      return until(() => among.every((m) => m.state.enabled === enabled), timeoutMs, `every member to see ${FLAG} = ${enabled}`);
    }

    /** Bulk requests the server counted for one toggle, once the leader's load (and any re-check) has landed. */
    async function requestsForOneToggle(among: readonly Member[]): Promise<number> {
      server.resetRequests();
      await toggle(among);
      await until(() => server.requestLog.every((entry) => entry.status !== undefined || entry.route === 'stream'), 2_000, 'requests to finish');
      await new Promise((resolve) => setTimeout(resolve, 400)); // past the engine's 250 ms re-check window
      return server.requests.bulk;
    }

    async function formsAndSharesOneConnection(count: number): Promise<number> {
      const fleet = await startFleet(count);
      expect(fleet.filter((m) => m.state.role === 'follower')).toHaveLength(count - 1);
      // Only the leader streams; followers (some were solo for a moment while the others started) send nothing.
      await until(() => server.streamCount === 1, 3_000, 'only the leader to stream');
      server.resetRequests();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(server.requests.total, `${JSON.stringify(server.requestLog)}\n${summary(fleet)}`).toBe(0);
      const first = await requestsForOneToggle(fleet);
      const second = await requestsForOneToggle(fleet);
      expect([first, second]).toEqual([1, 1]);
      expect(server.streamCount).toBe(1);
      expect(leaders(fleet)).toHaveLength(1);
      return first;
    }

    it('N = 5: one leader; followers send no upstream request; a toggle reaches all within 2 s; 1 request per change', async () => {
      expect(await formsAndSharesOneConnection(5)).toBe(1);
    }, 40_000);

    it.runIf(kind === 'node-redis')('N = 20: the same, still 1 upstream request per change', async () => {
      expect(await formsAndSharesOneConnection(20)).toBe(1);
    }, 90_000);

    it.runIf(kind === 'node-redis')('one leader per scope: members with two contexts form two groups, one request per group per change', async () => {
      const fleet = await startFleet(6, ['user-1', 'user-2']);
      const byUser = (userIndex: number): Member[] => fleet.filter((_, i) => i % 2 === userIndex);
      expect(leaders(byUser(0))).toHaveLength(1);
      expect(leaders(byUser(1))).toHaveLength(1);
      await until(() => server.streamCount === 2, 3_000, 'only the two leaders to stream');
      server.resetRequests();
      enabled = false;
      server.toggle('demo', 'production', FLAG, false);
      await until(() => fleet.every((m) => m.state.enabled === false), 2_000, 'every member to see the toggle');
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(server.requests.bulk).toBe(2);
      enabled = true;
      server.toggle('demo', 'production', FLAG, true);
      await until(() => fleet.every((m) => m.state.enabled === true), 2_000, 'every member to see the toggle back');
    }, 40_000);

    it('a SIGKILLed leader is replaced within leaseMs + 2 s and changes keep arriving', async () => {
      const fleet = await startFleet(5);
      const [leader] = leaders(fleet);
      leader!.kill('SIGKILL');
      await leader!.exited;
      const killedAt = Date.now();
      const survivors = fleet.filter((m) => m !== leader);
      // A change made while no one leads reaches everyone once the new leader has loaded.
      enabled = !enabled;
      server.toggle('demo', 'production', FLAG, enabled);
      await until(() => leaders(survivors).length === 1, LEASE_MS + 2_000, 'a new leader');
      expect(Date.now() - killedAt).toBeLessThanOrEqual(LEASE_MS + 2_000);
      await until(() => survivors.every((m) => m.state.enabled === enabled), 2_000, 'the change made during the failover');
      expect(leaders(survivors)).toHaveLength(1);
      await server.waitForStreams(1);
      expect(await toggle(survivors)).toBeLessThanOrEqual(2_000);
    }, 40_000);

    it.runIf(!onCluster(kind))('Redis stopped mid-run: every member keeps serving on its own connection, then the fleet re-forms', async () => {
      const redis = servers.standalone();
      const fleet = await startFleet(5);
      server.resetRequests();
      await redis.kill();
      await until(() => fleet.every((m) => m.state.role === 'solo'), LEASE_MS + 3_000, 'every member to go solo');
      expect(fleet.every((m) => typeof m.state.enabled === 'boolean')).toBe(true);
      await server.waitForStreams(5);
      // The four followers load for themselves (the old leader's engine was running already).
      await until(() => server.requests.bulk >= 4, 3_000, 'every follower to load for itself', () => `${server.requests.bulk} loads`);
      // Each member loads for itself now: the change reaches all, at one request each.
      expect(await requestsForOneToggle(fleet)).toBe(5);

      await redis.restart();
      await until(() => leaders(fleet).length === 1 && fleet.filter((m) => m.state.role === 'follower').length === 4, 10_000, 'the fleet to re-form');
      await until(() => server.streamCount === 1, 3_000, 'followers to close their streams');
      expect(await requestsForOneToggle(fleet)).toBe(1);
    }, 60_000);
  });

  function redisUrls(kind: RedisKind): string {
    return onCluster(kind) ? servers.cluster().urls.join(',') : servers.standalone().url;
  }
});
