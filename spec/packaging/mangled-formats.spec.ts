/**
 * The build shortens internal member names (scripts/internal-names.mjs); two releases, each shortened
 * on its own, still meet through what one process persists or sends and another reads: store
 * records, the Redis fleet's keys and messages, the tab fleet's BroadcastChannel messages, rendered
 * snapshots, requests and the local server's answers and streams, tracking and telemetry posts,
 * OpenFeature event payloads. These specs drive one scenario through the sources (lib/) and through
 * the packed ES module and CommonJS builds (one build for the file), capture every such output, and
 * check both wrote the same (times and random ids normalised); then a record or a fleet leader of one
 * is read by the other, both ways.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ProviderEvents } from '@openfeature/server-sdk';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as libCore from '../../lib/index.js';
import * as libOpenFeature from '../../lib/openfeature/index.js';
import * as libServer from '../../lib/server/index.js';
import * as libStores from '../../lib/stores/index.js';
import * as libTesting from '../../lib/testing/index.js';
import type { FlagClient } from '../../lib/index.js';
import type { FlagServer } from '../../lib/server/index.js';
import { MemoryStorage } from '../stores/memory-storage.js';
import { FakeRollgate } from '../support/fake-rollgate.js';
import { redisAvailable, startRedis, type RedisInstance } from '../support/redis.js';
import { redisFleetScenario, tabFleetScenario } from './fleet-scenarios.js';
import { context, eventually, initialFlags, normalised, parsed, quiet, type Build } from './formats.js';
import { packBuild, type Packed } from './packed.js';
import { openFeatureScenario, rollgateScenario, streamScenario, wireScenario } from './wire-scenarios.js';

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
    const [fromLib, fromBuild] = [await redisFleetScenario(redis, lib, lib, `fleet-lib-${format}:`), await redisFleetScenario(redis, built[format], built[format], `fleet-${format}:`)];
    expect(Object.keys(fromLib.led)).toEqual(expect.arrayContaining([expect.stringMatching(/:lease$/), expect.stringMatching(/:snapshot$/), 'fleet:for:<hash>']));
    expect(normalised(fromBuild)).toEqual(normalised(fromLib));
  });

  it.skipIf(!redisAvailable).each(crossings)('a Redis fleet whose leader is %s and follower %s: the follower serves the leader\'s flags and its change', async (leader, follower) => {
    await redisFleetScenario(redis, build(leader), build(follower), `fleet-${leader}-${follower}:`);
  });

  it.each(formats)('tab fleet BroadcastChannel messages (fake Web Locks and channel), and a leader and a follower of either build (%s)', async (format) => {
    const [fromLib, fromBuild] = [await tabFleetScenario(lib, lib), await tabFleetScenario(built[format], built[format])];
    expect(fromLib.length).toBeGreaterThan(0);
    expect(normalised(fromBuild)).toEqual(normalised(fromLib));
    await tabFleetScenario(lib, built[format]);
    await tabFleetScenario(built[format], lib);
  });

  it.each(formats)('Rollgate requests: flag loads, tracked events and evaluation telemetry: URLs, headers, bodies (%s)', async (format) => {
    const [fromLib, fromBuild] = [await rollgateScenario(lib, rollgate), await rollgateScenario(built[format], rollgate)];
    expect(fromLib.map(({ request }) => request.url)).toEqual(expect.arrayContaining([expect.stringContaining('/events'), expect.stringContaining('/telemetry')]));
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
