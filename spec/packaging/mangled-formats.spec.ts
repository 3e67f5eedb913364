/**
 * The build shortens internal member names (scripts/internal-names.mjs); two releases, each shortened
 * on its own, still meet through what one process persists or sends and another reads: store
 * records, the Redis fleet's keys and messages, the tab fleet's BroadcastChannel messages, rendered
 * snapshots, tracking and telemetry posts, OpenFeature event payloads. These specs drive one
 * scenario through the sources (lib/) and through the packed ES module build, capture every such
 * output, and check both wrote the same (times and random ids normalised); then a record or a
 * fleet leader of one build is read by the other, both ways.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { OpenFeature, ProviderEvents, type EventDetails } from '@openfeature/server-sdk';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as libCore from '../../lib/index.js';
import * as libOpenFeature from '../../lib/openfeature/index.js';
import * as libStores from '../../lib/stores/index.js';
import * as libServer from '../../lib/server/index.js';
import * as libTesting from '../../lib/testing/index.js';
import type { EvalResult, FlagClient } from '../../lib/index.js';
import type { FlagServer } from '../../lib/server/index.js';
import { PROD_KEY } from '../server/fixtures.js';
import { FakeOrigin } from '../fleet/fake-tabs.js';
import { MemoryStorage } from '../stores/memory-storage.js';
import { FakeRollgate } from '../support/fake-rollgate.js';
import { redisAvailable, startRedis, type RedisInstance } from '../support/redis.js';
import { packBuild, type Packed } from './packed.js';

/** The entries a scenario uses, from the sources or from the build. */
interface Build {
  name: 'lib' | 'esm' | 'cjs';
  core: typeof libCore;
  stores: typeof libStores;
  testing: typeof libTesting;
  openfeature: typeof libOpenFeature;
  server: typeof libServer;
}

const quiet = { warn() {}, error() {} };
const context = { userId: 'u-1', attributes: { plan: 'pro', email: 'u-1@example.com' } };
/** Every field a result can carry: a bool, a variant with a value and details, an error code. */
const initialFlags = (): Record<string, EvalResult> => ({
  'dark-mode': { key: 'dark-mode', enabled: true, variant: 'true', value: true, reason: 'TARGETING_MATCH', evaluatedAt: '2026-01-01T00:00:00.000Z', source: 'network' },
  banner: { key: 'banner', enabled: true, variant: 'spring', value: { text: 'Spring', cols: 3 }, reason: 'SPLIT', evaluatedAt: '2026-01-01T00:00:00.000Z', source: 'network', details: { ruleId: 'r-2', inRollout: true } },
  broken: { key: 'broken', enabled: false, variant: 'off', value: undefined, reason: 'ERROR', evaluatedAt: '2026-01-01T00:00:00.000Z', source: 'network', errorCode: 'PARSE_ERROR' },
});

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
/**
 * Fields whose value is a random id or starts with one: a fleet member's (`<id>.<count>`), and an
 * ETag (the OFREP one hashes a body that names the server's random stream channel).
 */
const ID_FIELD = /^epoch$|:lease$|^etag$|^if-none-match$/;
/** A random id inside a text: the OFREP stream channel a server hands out. */
const ID_IN_TEXT = /channel=([\w-]+)/g;
/** Numeric fields that hold a duration measured at run time, or a time in seconds. */
const DURATION_FIELD = /^period_?ms$/i;
const SECONDS_FIELD = /^lastModified$/;

/**
 * Times, measured durations and random ids out, so two runs of one scenario compare: ISO times and
 * epoch milliseconds (a tab leadership's term), and the ids members draw (named by first appearance, so equal ids stay equal).
 */
function normalised(value: unknown): unknown {
  const ids = new Map<string, string>();
  const collect = (item: unknown, field = ''): void => {
    const found = (id: string): void => void (ids.has(id) || ids.set(id, `<id${ids.size}>`));
    if (typeof item === 'string') {
      if (ID_FIELD.test(field)) found(item.replace(/\.\d+$/, ''));
      for (const [, id] of item.matchAll(ID_IN_TEXT)) found(id!);
    } else if (typeof item === 'object' && item !== null) {
      for (const [key, inner] of Object.entries(item)) collect(inner, key);
    }
  };
  collect(value);
  const replace = (item: unknown, field = ''): unknown => {
    if (typeof item === 'string') return ISO.test(item) ? '<time>' : [...ids].reduce((text, [id, name]) => text.replaceAll(id, name), item);
    if (typeof item === 'number') return DURATION_FIELD.test(field) ? '<duration>' : SECONDS_FIELD.test(field) || item > 1e12 ? '<time>' : item;
    if (Array.isArray(item)) return item.map((inner) => replace(inner));
    if (typeof item === 'object' && item !== null) return Object.fromEntries(Object.entries(item).map(([key, inner]) => [key, replace(inner, key)]));
    return item;
  };
  return replace(value);
}

/** A JSON text parsed, anything else as it is. */
const parsed = (text: string | null): unknown => {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

let packed: Packed;
/** The packed build's ES module and CommonJS entries. */
const built = {} as Record<'esm' | 'cjs', Build>;
const lib: Build = { name: 'lib', core: libCore, stores: libStores, testing: libTesting, openfeature: libOpenFeature, server: libServer };
let redisServer: RedisInstance | undefined;
let redis: ReturnType<typeof createClient>;
let rollgate: FakeRollgate;
let dir: string;
/** The local server of each build, on one flags file. */
const servers: FlagServer[] = [];
const serverOf = new Map<Build['name'], FlagServer>();

beforeAll(async () => {
  [packed, rollgate, dir, redisServer] = await Promise.all([
    packBuild(),
    FakeRollgate.start([
      { key: 'dark-mode', on: true },
      { key: 'banner', on: true, type: 'string', value: 'spring' },
    ]),
    mkdtemp(join(tmpdir(), 'flagstream-formats-')),
    redisAvailable ? startRedis() : undefined,
  ]);
  const esm = (entry: string) => import(pathToFileURL(join(packed.installed, 'dist/esm', entry, 'index.js')).href);
  built.esm = { name: 'esm', core: await esm(''), stores: await esm('stores'), testing: await esm('testing'), openfeature: await esm('openfeature'), server: await esm('server') };
  const cjs = createRequire(join(packed.installed, 'dist/cjs/index.js'));
  built.cjs = { name: 'cjs', core: cjs('./index.js'), stores: cjs('./stores/index.js'), testing: cjs('./testing/index.js'), openfeature: cjs('./openfeature/index.js'), server: cjs('./server/index.js') };
  for (const build of [lib, built.esm, built.cjs]) {
    const server = await build.server.startServer({ file: 'examples/flags.json', watch: false, logger: quiet });
    servers.push(server);
    serverOf.set(build.name, server);
  }
  if (redisServer) {
    redis = createClient({ url: redisServer.url });
    await redis.connect();
  }
}, 180_000);

afterAll(async () => {
  await redis?.close();
  await Promise.all([...servers.map((server) => server.close()), redisServer?.stop(), rollgate?.close(), packed?.remove(), dir && rm(dir, { recursive: true, force: true })]);
});

/** A client of `build` on a test source holding the initial flags (failing its loads when `down`), with `store`. */
function storedClient(build: Build, store: libStores.FlagStore, down = false): FlagClient {
  const transport = build.testing.testSource(initialFlags());
  if (down) transport.fail(new build.core.NetworkError('the server is down'));
  return build.core.createFlagClient({ transport, context, store, logger: quiet, pollIntervalMs: 0 });
}

/** Resolves to `read()`'s first answer other than `undefined`, tried every `pause()` (20 ms) for 3 s at most. */
async function eventually<T>(read: () => Promise<T | undefined> | T | undefined, what: string, pause = () => new Promise((resolve) => setTimeout(resolve, 20))): Promise<T> {
  for (const start = Date.now(); Date.now() - start < 3_000; await pause()) {
    const value = await read();
    if (value !== undefined) return value;
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The stores of one kind as each build makes them, over one place (a storage, a file, a Redis prefix), and what that place holds. */
interface StorePlace {
  kind: string;
  store(build: Build): libStores.FlagStore;
  read(): Promise<unknown>;
}

function storePlaces(name: string): StorePlace[] {
  const storage = new MemoryStorage();
  const path = join(dir, `${name}.json`);
  const prefix = `${name}:`;
  const places: StorePlace[] = [
    {
      kind: 'web storage',
      store: (build) => build.stores.webStorageStore(storage),
      read: async () => (storage.length > 0 ? Object.fromEntries(storage.keys.map((key) => [key, parsed(storage.getItem(key))])) : undefined),
    },
    { kind: 'file', store: (build) => build.stores.fileStore(path), read: async () => parsed((await readFile(path, 'utf8').catch(() => null)) || null) ?? undefined },
  ];
  if (redisServer) {
    places.push({
      kind: 'redis',
      store: (build) => build.stores.redisStore(redis, { prefix }),
      read: async () => {
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length === 0) return undefined;
        return Object.fromEntries(await Promise.all(keys.map(async (key) => [key.slice(prefix.length), parsed(await redis.get(key))])));
      },
    });
  }
  return places;
}

let runs = 0;

/** What each store keeps after one load of the initial flags (closing the client writes it at once), and the snapshot as rendered. */
async function storesScenario(build: Build): Promise<Record<string, unknown>> {
  const memory = build.stores.memoryStore();
  const saved: unknown[] = [];
  const client = storedClient(build, { load: (scope) => memory.load(scope), save: (record) => (saved.push(JSON.parse(JSON.stringify(record))), memory.save(record)) });
  await client.ready();
  const out: Record<string, unknown> = {
    snapshot: JSON.parse(JSON.stringify(client.snapshot)),
    snapshotToJSON: client.snapshot.toJSON(),
    rendered: build.core.renderedSnapshot(client.snapshot, context),
  };
  client.close();
  out.memory = await eventually(() => (saved.length > 0 ? saved : undefined), 'the memory save');
  for (const place of storePlaces(`stores-${build.name}-${(runs += 1)}`)) {
    const client = storedClient(build, place.store(build));
    await client.ready();
    client.close();
    out[place.kind] = await eventually(place.read, `the ${place.kind} save`);
  }
  return out;
}

/** Each build's formats against the sources', then one build's writer and the other's reader, both ways. */
const formats = ['esm', 'cjs'] as const;
const crossings = formats.flatMap((format) => [
  ['lib', format],
  [format, 'lib'],
] as const);
const build = (name: Build['name']): Build => (name === 'lib' ? lib : built[name]);

describe('the shortened build writes and sends what the sources do', () => {
  it.each(formats)('runs the packed build, shortened (%s)', async (format) => {
    for (const entry of ['core', 'stores', 'testing', 'openfeature', 'server'] as const) expect(built[format][entry]).not.toBe(lib[entry]);
    // A client, as it runs here, has no member of its full internal name.
    const [client, fromLib] = [built[format], lib].map((build) => build.core.createFlagClient({ transport: build.testing.testSource({}), logger: quiet })) as [FlagClient, FlagClient];
    expect(['nothingToServe' in client, 'nothingToServe' in fromLib]).toEqual([false, true]);
    fromLib.close();
    client.close();
  });

  it.each(formats)('store records (memory, web storage, file, Redis), the snapshot and the rendered snapshot (%s)', async (format) => {
    const [fromLib, fromBuild] = [await storesScenario(lib), await storesScenario(built[format])];
    expect(Object.keys(fromLib)).toEqual(['snapshot', 'snapshotToJSON', 'rendered', 'memory', 'web storage', 'file', ...(redisServer ? ['redis'] : [])]);
    expect(normalised(fromBuild)).toEqual(normalised(fromLib));
  });

  it.each(crossings)('a record %s saved is restored by %s (web storage, file, Redis): the values, from the store', async (writer, reader) => {
    for (const place of storePlaces(`restore-${writer}-${reader}`)) {
      const saving = storedClient(build(writer), place.store(build(writer)));
      await saving.ready();
      saving.close();
      await eventually(place.read, `the ${place.kind} save`);
      const restoring = storedClient(build(reader), place.store(build(reader)), true);
      const ready = await restoring.ready();
      expect([place.kind, ready.source, restoring.status.source]).toEqual([place.kind, 'store', 'store']);
      expect(restoring.snapshot.toJSON(), place.kind).toEqual({ $flagstream: 1, flags: expect.objectContaining({ broken: expect.objectContaining({ errorCode: 'PARSE_ERROR' }) }) });
      expect([restoring.bool('dark-mode', false), restoring.json('banner', null)]).toEqual([true, { text: 'Spring', cols: 3 }]);
      restoring.close();
    }
  });

  it.skipIf(!redisAvailable).each(formats)('Redis fleet keys, values and published messages: lease, term, snapshot, notices, release (%s)', async (format) => {
    const [fromLib, fromBuild] = [await redisFleetScenario(lib, lib, `fleet-lib-${format}:`), await redisFleetScenario(built[format], built[format], `fleet-${format}:`)];
    expect(Object.keys(fromLib.led)).toEqual(expect.arrayContaining([expect.stringMatching(/:lease$/), expect.stringMatching(/:snapshot$/), 'fleet:for:<hash>']));
    expect(normalised(fromBuild)).toEqual(normalised(fromLib));
  });

  it.skipIf(!redisAvailable).each(crossings)('a Redis fleet whose leader is %s and follower %s: the follower serves the leader\'s flags and its change', async (leader, follower) => {
    await redisFleetScenario(build(leader), build(follower), `fleet-${leader}-${follower}:`);
  });

  it.each(formats)('tab fleet BroadcastChannel messages (fake Web Locks and channel), and a leader and a follower of either build (%s)', async (format) => {
    const [fromLib, fromBuild] = [await tabFleetScenario(lib, lib), await tabFleetScenario(built[format], built[format])];
    expect(fromLib.length).toBeGreaterThan(0);
    expect(normalised(fromBuild)).toEqual(normalised(fromLib));
    await tabFleetScenario(lib, built[format]);
    await tabFleetScenario(built[format], lib);
  });

  it.each(formats)('Rollgate requests: flag loads, tracked events and evaluation telemetry: URLs, headers, bodies (%s)', async (format) => {
    const [fromLib, fromBuild] = [await rollgateScenario(lib), await rollgateScenario(built[format])];
    expect(fromLib.map((request) => request.url)).toEqual(expect.arrayContaining([expect.stringContaining('/events'), expect.stringContaining('/telemetry')]));
    expect(normalised(fromBuild)).toEqual(normalised(fromLib));
  });

  it.each(formats)('Cuttlegate, Rollgate and OFREP requests to the local server: URLs, headers, bodies (%s)', async (format) => {
    const [fromLib, fromBuild] = [await wireScenario(lib, serverOf.get('lib')!), await wireScenario(built[format], serverOf.get('lib')!)];
    expect(fromLib.map(({ request }) => request.url)).toEqual(expect.arrayContaining([expect.stringContaining('/environments/production/evaluate'), expect.stringContaining('/api/v1/sdk/v2/flags'), expect.stringContaining('/ofrep/v1/evaluate/flags')]));
    expect(normalised(fromBuild.map(({ request }) => request))).toEqual(normalised(fromLib.map(({ request }) => request)));
  });

  it.each(formats)('the local server answers the three protocols as the sources do: statuses, headers, bodies (%s)', async (format) => {
    const [fromLib, fromBuild] = [await wireScenario(lib, serverOf.get('lib')!), await wireScenario(lib, serverOf.get(format)!)];
    expect(fromLib.map(({ response }) => response.status)).toEqual(fromLib.map(() => expect.toSatisfy((status: number) => status < 400)));
    expect(normalised(fromBuild)).toEqual(normalised(fromLib));
  });

  it.each(formats)('the local server\'s change streams (Cuttlegate, Rollgate, OFREP) send the frames the sources do, and each client follows them (%s)', async (format) => {
    const [fromLib, fromBuild] = [await streamScenario(lib, serverOf.get('lib')!), await streamScenario(built[format], serverOf.get(format)!)];
    expect(fromLib.map(({ protocol }) => protocol)).toEqual(['cuttlegate', 'rollgate', 'ofrep']);
    expect(normalised(fromBuild)).toEqual(normalised(fromLib));
  });

  it.each(formats)('OpenFeature event payloads (%s)', async (format) => {
    const [fromLib, fromBuild] = [await openFeatureScenario(lib), await openFeatureScenario(built[format])];
    expect(fromLib.map(([type]) => type)).toEqual([ProviderEvents.ConfigurationChanged]);
    expect(normalised(fromBuild)).toEqual(normalised(fromLib));
  });
});

/** Long enough that no renewal falls inside a scenario (each takes well under a second). */
const LEASE_MS = 6_000;
/** The initial flags with dark-mode off. */
const darkOff = (): EvalResult => ({ ...initialFlags()['dark-mode']!, enabled: false, variant: 'false', value: false });

/**
 * A leader of `leaderBuild` loading the initial flags, then a follower of `followerBuild` (its own
 * source holds nothing) on one Redis prefix, then a change on the leader's source: the follower
 * serves both, and another context's flags the leader shared; the leader's upstream fails, and the
 * follower mirrors that; both close. Returns the keys and values under the prefix while led and after
 * the release, and each message published there, once each.
 */
async function redisFleetScenario(leaderBuild: Build, followerBuild: Build, prefix: string): Promise<Record<'led' | 'released', Record<string, unknown>> & { messages: unknown[] }> {
  const subscriber = redis.duplicate();
  await subscriber.connect();
  const messages: unknown[] = [];
  await subscriber.pSubscribe(`${prefix}*`, (message, channel) => void messages.push({ channel: channel.slice(prefix.length), message: parsed(message) }));
  const source = leaderBuild.testing.testSource(initialFlags());
  const member = (build: Build, transport: libCore.FlagClientOptions['transport']) =>
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
    const led = await redisKeys(prefix);
    // The follower goes first (nobody takes over), then the leader releases and leaves its farewell.
    follower.close();
    leader.close();
    await eventually(() => messages.some((heard) => (heard as { message: string }).message === 'released') || undefined, 'the release notice');
    const released = await redisKeys(prefix);
    // Each notice once: how many go out depends on timing, what each says does not.
    return { led, released, messages: [...new Set(messages.map((heard) => JSON.stringify(heard)))].sort().map((text) => JSON.parse(text) as unknown) };
  } finally {
    leader.close();
    follower.close();
    await subscriber.close();
  }
}

/** The leader's upstream fails (its health, with the error's name and message, goes to the followers). */
function leaderDown(build: Build, source: libTesting.TestSource): void {
  source.fail(new build.core.NetworkError('upstream down'));
  source.disconnect();
}

/** Every key under `prefix` and its value (a shared snapshotFor key's name hashes the leadership's random id: `fleet:for:<hash>`). */
async function redisKeys(prefix: string): Promise<Record<string, unknown>> {
  const keys = (await redis.keys(`${prefix}*`)).sort();
  return Object.fromEntries(await Promise.all(keys.map(async (key) => [key.slice(prefix.length).replace(/^fleet:for:.*/, 'fleet:for:<hash>'), await redisValue(key)] as const)));
}

/** A key's value whatever its type (parsed when it is JSON). */
async function redisValue(key: string): Promise<unknown> {
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
async function tabFleetScenario(leaderBuild: Build, followerBuild: Build): Promise<unknown[]> {
  vi.useFakeTimers();
  const pause = () => vi.advanceTimersByTimeAsync(10);
  const ready = async (client: FlagClient): Promise<void> => {
    let done = false;
    void client.ready().then(() => (done = true));
    await eventually(() => done || undefined, 'ready', pause);
  };
  const origin = new FakeOrigin();
  const source = leaderBuild.testing.testSource(initialFlags());
  const member = (build: Build, tab: number, transport: libCore.FlagClientOptions['transport']) =>
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

/** A Rollgate client's load, bool evaluations and tracked event, flushed: every request it made (URL, method, headers, body). */
async function rollgateScenario(build: Build): Promise<Array<{ url: string; method: string; headers: Record<string, string>; body: unknown }>> {
  const requests: Array<{ url: string; method: string; headers: Record<string, string>; body: unknown }> = [];
  const recording: typeof fetch = async (input, init) => {
    const headers = Object.fromEntries([...new Headers(init?.headers)].sort());
    requests.push({ url: String(input).replace(rollgate.url, '<rollgate>'), method: init?.method ?? 'GET', headers, body: typeof init?.body === 'string' ? parsed(init.body) : init?.body ?? null });
    return fetch(input, init);
  };
  const client = build.core.createFlagClient({
    transport: build.core.rollgate({ apiKey: rollgate.apiKey, baseUrl: rollgate.url }),
    context,
    fetch: recording,
    streaming: false,
    pollIntervalMs: 0,
    logger: quiet,
    tracking: { flushIntervalMs: 60_000, telemetryIntervalMs: 60_000 },
  });
  try {
    await client.ready();
    client.bool('dark-mode', false);
    client.bool('dark-mode', false);
    client.string('banner', 'none');
    client.track({ flagKey: 'dark-mode', eventName: 'checkout', variationId: 'true', value: 9.5, metadata: { cart: 'c-1' } });
    await client.flush();
    return requests;
  } finally {
    client.close();
  }
}

/** One request a client made and the answer it got. */
interface Exchange {
  request: { url: string; method: string; headers: Record<string, string>; body: unknown };
  response: { status: number; headers: Record<string, string>; body: unknown };
}

/** A fetch that records each exchange in `log`, the server's address written as `<server>`. */
function recordingFetch(log: Exchange[], server: string): typeof fetch {
  return async (input, init) => {
    const headers = Object.fromEntries([...new Headers(init?.headers)].sort());
    const request = { url: String(input).replace(server, '<server>'), method: init?.method ?? 'GET', headers, body: typeof init?.body === 'string' ? parsed(init.body) : (init?.body ?? null) };
    const response = await fetch(input, init);
    const kept = ['content-type', 'etag', 'cache-control', 'retry-after'].filter((name) => response.headers.has(name));
    log.push({ request, response: { status: response.status, headers: Object.fromEntries(kept.map((name) => [name, response.headers.get(name)!])), body: parsed(await response.clone().text()) } });
    return response;
  };
}

/**
 * A client of `build` per protocol against the local server `server` (no stream): load, a bool, an
 * identify, a refresh, a tracked event flushed. Returns every exchange.
 */
async function wireScenario(build: Build, server: FlagServer): Promise<Exchange[]> {
  const log: Exchange[] = [];
  const transports = [
    build.core.cuttlegate({ serverUrl: server.url, apiKey: PROD_KEY, project: 'demo', environment: 'production' }),
    build.core.rollgate({ baseUrl: server.url, apiKey: PROD_KEY }),
    build.core.ofrep({ baseUrl: server.url, apiKey: PROD_KEY, changeDetection: 'none' }),
  ];
  for (const transport of transports) {
    const client = build.core.createFlagClient({ transport, context, fetch: recordingFetch(log, server.url), streaming: false, pollIntervalMs: 0, logger: quiet });
    try {
      await client.ready();
      client.bool('dark-mode', false);
      await client.identify({ userId: 'u-2', attributes: { plan: 'free' } });
      await client.refresh();
      client.track({ flagKey: 'dark-mode', eventName: 'checkout', value: 2 });
      await client.flush();
    } finally {
      client.close();
    }
  }
  return log;
}

/** The data of each SSE frame in `text` (parsed), with its event name. */
function frames(text: string): Array<{ event: string; data: unknown }> {
  return text
    .split('\n\n')
    .filter((frame) => /^data:/m.test(frame))
    .map((frame) => ({ event: /^event: ?(.*)$/m.exec(frame)?.[1] ?? 'message', data: parsed(/^data: ?(.*)$/m.exec(frame)![1]!) }));
}

/**
 * A streaming client of `build` per protocol on the local server `server` (of the same build): the
 * stream opens, dark-mode is switched off and on again, the client serves each. Returns the first
 * frame of each kind the streams carried (how many come depends on timing, what each says does not).
 */
async function streamScenario(build: Build, server: FlagServer): Promise<Array<{ protocol: string; frames: Record<string, unknown> }>> {
  const transports = {
    cuttlegate: build.core.cuttlegate({ serverUrl: server.url, apiKey: PROD_KEY, project: 'demo', environment: 'production' }),
    rollgate: build.core.rollgate({ baseUrl: server.url, apiKey: PROD_KEY }),
    ofrep: build.core.ofrep({ baseUrl: server.url, apiKey: PROD_KEY }),
  };
  const out = [];
  for (const [protocol, transport] of Object.entries(transports)) {
    let text = '';
    const teeing: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!response.headers.get('content-type')?.startsWith('text/event-stream') || !response.body) return response;
      const [mine, theirs] = response.body.tee();
      void mine.pipeThrough(new TextDecoderStream()).pipeTo(new WritableStream({ write: (chunk) => void (text += chunk) })).catch(() => undefined);
      return new Response(theirs, { status: response.status, headers: response.headers });
    };
    const client = build.core.createFlagClient({ transport, context, fetch: teeing, pollIntervalMs: 0, logger: quiet });
    try {
      await client.ready();
      await eventually(() => client.status.streaming || undefined, `the ${protocol} stream`);
      for (const enabled of [false, true]) {
        server.toggle('demo', 'production', 'dark-mode', enabled);
        await eventually(() => client.evaluate('dark-mode').enabled === enabled || undefined, `the ${protocol} change`);
      }
    } finally {
      server.toggle('demo', 'production', 'dark-mode', true);
      client.close();
    }
    // The first frame of each kind: a stream reopened meanwhile (a refetch, a reconnect) sends its first again, with other values.
    const first = new Map<string, unknown>();
    for (const frame of frames(text)) if (!first.has(frame.event)) first.set(frame.event, frame.data);
    out.push({ protocol, frames: Object.fromEntries(first) });
  }
  return out;
}

/** A server provider on a client of `build` through the OpenFeature SDK: its events' payloads until one change. */
async function openFeatureScenario(build: Build): Promise<Array<[string, EventDetails | undefined]>> {
  const source = build.testing.testSource(initialFlags());
  const client = build.core.createFlagClient({ transport: source, context, logger: quiet, pollIntervalMs: 0 });
  const provider = new build.openfeature.FlagstreamServerProvider(client);
  const seen: Array<[string, EventDetails | undefined]> = [];
  for (const type of [ProviderEvents.Ready, ProviderEvents.Stale, ProviderEvents.Error, ProviderEvents.ConfigurationChanged]) {
    provider.events.addHandler(type, (details) => void seen.push([type, JSON.parse(JSON.stringify(details ?? null)) as EventDetails | undefined]));
  }
  try {
    await OpenFeature.setProviderAndWait(`formats-${build.name}`, provider);
    source.set('dark-mode', darkOff());
    await eventually(() => seen.some(([type]) => type === ProviderEvents.ConfigurationChanged) || undefined, 'the configuration change');
    return seen;
  } finally {
    await OpenFeature.clearProviders();
    client.close();
  }
}
