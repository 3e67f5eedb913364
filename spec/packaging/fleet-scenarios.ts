/**
 * The fleet scenarios of the format specs: a leader of one build and a follower of another (or the
 * same) on a real Redis, and on a fake origin's Web Locks and BroadcastChannel; each returns what
 * went between them.
 */
import type { createClient } from 'redis';
import { expect, vi } from 'vitest';
import type { FlagClient, FlagClientOptions } from '../../lib/index.js';
import type { TestSource } from '../../lib/testing/index.js';
import { FakeOrigin } from '../fleet/fake-tabs.js';
import { context, darkOff, eventually, initialFlags, parsed, quiet, type Build } from './formats.js';

/** A connected node-redis client. */
type Redis = ReturnType<typeof createClient>;

/** Long enough that no renewal falls inside a scenario (each takes well under a second). */
const LEASE_MS = 6_000;

/**
 * A leader of `leaderBuild` loading the initial flags, then a follower of `followerBuild` (its own
 * source holds nothing) on one Redis prefix, then a change on the leader's source: the follower
 * serves both, and another context's flags the leader shared; the leader's upstream fails, and the
 * follower mirrors that; both close. Returns the keys and values under the prefix while led and after
 * the release, and each message published there, once each.
 */
export async function redisFleetScenario(redis: Redis, leaderBuild: Build, followerBuild: Build, prefix: string): Promise<Record<'led' | 'released', Record<string, unknown>> & { messages: unknown[] }> {
  const subscriber = redis.duplicate();
  await subscriber.connect();
  const messages: unknown[] = [];
  // A notice names its kind and the holder that caused it, a random id per process: '<kind> <holder>'.
  await subscriber.pSubscribe(`${prefix}*`, (message, channel) => void messages.push({ channel: channel.slice(prefix.length), message: parsed(message.replace(/^(\w+) \S+$/, '$1 <holder>')) }));
  const source = leaderBuild.testing.testSource(initialFlags());
  const member = (build: Build, transport: FlagClientOptions['transport']) =>
    build.core.createFlagClient({ transport, context, logger: quiet, pollIntervalMs: 0, fleet: build.stores.redisFleet(redis, { prefix, leaseMs: LEASE_MS }) });
  const leader = member(leaderBuild, source);
  const follower = member(followerBuild, followerBuild.testing.testSource({}));
  try {
    await leader.ready();
    await eventually(() => leader.status.role === 'leader' || undefined, 'the leader');
    await follower.ready();
    await eventually(() => (follower.status.role === 'follower' && follower.bool('dark-mode', false)) || undefined, 'the follower to serve the leader\'s flags');
    expect(follower.json('banner', null)).toEqual({ text: 'Spring', cols: 3 });
    expect(follower.status).toMatchObject({ state: 'ready', source: 'network' });
    // The leader shares another context's flags; the follower (its own source holds none) reads them.
    const other = { userId: 'u-9', attributes: { plan: 'free' } };
    await leader.snapshotFor(other);
    await eventually(async () => ((await redis.keys(`${prefix}fleet:for:*`)).length > 0 ? true : undefined), 'the shared snapshotFor key');
    expect((await follower.snapshotFor(other)).toJSON().flags['dark-mode']).toMatchObject({ value: true });
    source.set('dark-mode', darkOff());
    await eventually(() => !follower.bool('dark-mode', true) || undefined, 'the follower to serve the change');
    leaderDown(leaderBuild, source);
    await eventually(() => follower.status.error?.message.includes('upstream down') || undefined, 'the follower to mirror the leader\'s failure');
    const led = await redisKeys(redis, prefix);
    // The follower goes first (nobody takes over), then the leader releases and leaves its farewell.
    follower.close();
    leader.close();
    await eventually(() => messages.some((heard) => (heard as { message: string }).message === 'released <holder>') || undefined, 'the release notice');
    const released = await redisKeys(redis, prefix);
    // Each notice once: how many go out depends on timing, what each says does not.
    return { led, released, messages: [...new Set(messages.map((heard) => JSON.stringify(heard)))].sort().map((text) => JSON.parse(text) as unknown) };
  } finally {
    leader.close();
    follower.close();
    await subscriber.close();
  }
}

/** The leader's upstream fails (its health, with the error's name and message, goes to the followers). */
function leaderDown(build: Build, source: TestSource): void {
  source.fail(new build.core.NetworkError('upstream down'));
  source.disconnect();
}

/** Every key under `prefix` and its value (a shared snapshotFor key's name hashes the leadership's random id: `fleet:for:<hash>`). */
async function redisKeys(redis: Redis, prefix: string): Promise<Record<string, unknown>> {
  const keys = (await redis.keys(`${prefix}*`)).sort();
  return Object.fromEntries(await Promise.all(keys.map(async (key) => [key.slice(prefix.length).replace(/^fleet:for:.*/, 'fleet:for:<hash>'), await redisValue(redis, key)] as const)));
}

/** A key's value whatever its type (parsed when it is JSON). */
async function redisValue(redis: Redis, key: string): Promise<unknown> {
  const type = await redis.type(key);
  if (type === 'string') return parsed(await redis.get(key));
  if (type === 'hash') return redis.hGetAll(key);
  if (type === 'set') return (await redis.sMembers(key)).sort();
  if (type === 'list') return redis.lRange(key, 0, -1);
  if (type === 'zset') return redis.zRange(key, 0, -1);
  return type;
}

/**
 * Two tabs on a fake origin: a leader of `leaderBuild` on the initial flags, then a follower of
 * `followerBuild`, then a change on the leader's source; the follower serves both; the leader's
 * upstream fails, and the follower mirrors that; the leader's tab closes. In fake time, so no renewal or liveness check falls in between. Returns every message
 * posted on the channel.
 */
export async function tabFleetScenario(leaderBuild: Build, followerBuild: Build): Promise<unknown[]> {
  vi.useFakeTimers();
  const pause = () => vi.advanceTimersByTimeAsync(10);
  const ready = async (client: FlagClient): Promise<void> => {
    let done = false;
    void client.ready().then(() => (done = true));
    await eventually(() => done || undefined, 'ready', pause);
  };
  const origin = new FakeOrigin();
  const source = leaderBuild.testing.testSource(initialFlags());
  const member = (build: Build, tab: number, transport: FlagClientOptions['transport']) =>
    build.core.createFlagClient({ transport, context, logger: quiet, pollIntervalMs: 0, fleet: inTab(origin, tab, () => build.stores.tabFleet()) });
  const leader = member(leaderBuild, 1, source);
  const follower = member(followerBuild, 2, followerBuild.testing.testSource({}));
  try {
    await ready(leader);
    await eventually(() => leader.status.role === 'leader' || undefined, 'the leading tab', pause);
    await ready(follower);
    await eventually(() => (follower.status.role === 'follower' && follower.bool('dark-mode', false)) || undefined, 'the following tab to serve the leader\'s flags', pause);
    expect(follower.json('banner', null)).toEqual({ text: 'Spring', cols: 3 });
    source.set('dark-mode', darkOff());
    await eventually(() => !follower.bool('dark-mode', true) || undefined, 'the following tab to serve the change', pause);
    leaderDown(leaderBuild, source);
    await eventually(() => follower.status.error?.message.includes('upstream down') || undefined, 'the following tab to mirror the leader\'s failure', pause);
    leader.close();
    await eventually(() => follower.status.role === 'leader' || undefined, 'the following tab to lead', pause);
    return [...origin.sent];
  } finally {
    leader.close();
    follower.close();
    vi.useRealTimers();
  }
}

/** Runs `make` (a `tabFleet()` call) with tab `tab`'s Web Locks and BroadcastChannel as the globals it reads. */
function inTab<T>(origin: FakeOrigin, tab: number, make: () => T): T {
  const platform = origin.tab(tab);
  const saved = { navigator: Object.getOwnPropertyDescriptor(globalThis, 'navigator'), BroadcastChannel: Object.getOwnPropertyDescriptor(globalThis, 'BroadcastChannel') };
  Object.defineProperty(globalThis, 'navigator', { value: { locks: platform.locks }, configurable: true, writable: true });
  Object.defineProperty(globalThis, 'BroadcastChannel', { value: function Channel(name: string) { return platform.channel(name); }, configurable: true, writable: true });
  try {
    return make();
  } finally {
    for (const [name, descriptor] of Object.entries(saved)) {
      if (descriptor) Object.defineProperty(globalThis, name, descriptor);
      else delete (globalThis as Record<string, unknown>)[name];
    }
  }
}
