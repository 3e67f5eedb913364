/**
 * The four Redis clients flagstream accepts, on real servers: node-redis and ioredis, each on a
 * standalone `redis-server` and on a 3-master Redis Cluster. A spec file starts the servers once
 * (`useRedisServers`) and runs its cases per kind (`describe.each(REDIS_KINDS)` + `useRedisKind`).
 */
import { createClient, createCluster } from 'redis';
import { afterAll, beforeAll } from 'vitest';
import type { RedisClientLike } from '../../lib/stores/index.js';
import { REDIS_KINDS, onCluster, openClient, type RedisKind } from './redis-clients.js';
import { startRedisCluster, type RedisClusterInstance } from './redis-cluster.js';
import { startRedis, type RedisInstance } from './redis.js';

export { REDIS_KINDS, onCluster, openClient, type RedisKind };

/** Inspection of what is stored, whatever the client under test (node-redis underneath). */
export interface RedisAdmin {
  /** Every key matching `pattern`, on every node. */
  keys(pattern: string): Promise<string[]>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<unknown>;
  rpush(key: string, value: string): Promise<unknown>;
  ttl(key: string): Promise<number>;
  expire(key: string, seconds: number): Promise<unknown>;
  /** `PUBSUB CHANNELS pattern` over the nodes. */
  channels(pattern: string): Promise<string[]>;
  /** Runs a command on every node (e.g. `ACL SETUSER`). */
  everyNode(args: string[]): Promise<unknown>;
  /** `PUBSUB NUMSUB channel` summed over the nodes. */
  subscribers(channel: string): Promise<number>;
}

/** A standalone Redis and a Redis Cluster for one spec file, each with an admin view. */
export interface RedisServers {
  standalone(): RedisInstance;
  cluster(): RedisClusterInstance;
  admin(kind: RedisKind): RedisAdmin;
}

/** Starts both servers in `beforeAll` (in parallel), stops them (by PID) in `afterAll`. */
export function useRedisServers(): RedisServers {
  let standalone: RedisInstance | undefined;
  let cluster: RedisClusterInstance | undefined;
  let admins: { standalone: RedisAdmin; cluster: RedisAdmin; close(): Promise<void> } | undefined;
  beforeAll(async () => {
    [standalone, cluster] = await Promise.all([startRedis(), startRedisCluster()]);
    admins = await openAdmins(standalone, cluster);
  }, 30_000);
  afterAll(async () => {
    await admins?.close();
    await Promise.all([standalone?.stop(), cluster?.stop()]);
  });
  return {
    standalone: () => standalone!,
    cluster: () => cluster!,
    admin: (kind) => (onCluster(kind) ? admins!.cluster : admins!.standalone),
  };
}

async function openAdmins(standalone: RedisInstance, cluster: RedisClusterInstance) {
  const nodes = [createClient({ url: standalone.url }), ...cluster.urls.map((url) => createClient({ url }))];
  const routed = createCluster({ rootNodes: [{ url: cluster.urls[0]! }] });
  // The fleet's outage specs kill the standalone server under these clients: they reconnect quietly.
  for (const client of [...nodes, routed]) client.on('error', () => undefined);
  await Promise.all([...nodes.map((node) => node.connect()), routed.connect()]);
  const [single, ...clusterNodes] = nodes;
  const admin = (byKey: typeof single | typeof routed, every: Array<typeof single>): RedisAdmin => ({
    keys: async (pattern) => (await Promise.all(every.map((node) => node!.keys(pattern)))).flat().sort(),
    get: (key) => byKey!.get(key) as Promise<string | null>,
    set: (key, value) => byKey!.set(key, value),
    rpush: (key, value) => byKey!.rPush(key, value),
    ttl: (key) => byKey!.ttl(key),
    expire: (key, seconds) => byKey!.expire(key, seconds),
    channels: async (pattern) => (await Promise.all(every.map((node) => node!.sendCommand(['PUBSUB', 'CHANNELS', pattern]) as Promise<string[]>))).flat(),
    everyNode: (args) => Promise.all(every.map((node) => node!.sendCommand(args))),
    subscribers: async (channel) => {
      const replies = await Promise.all(every.map((node) => node!.sendCommand(['PUBSUB', 'NUMSUB', channel]) as Promise<[string, number]>));
      return replies.reduce((sum, [, count]) => sum + Number(count), 0);
    },
  });
  return {
    standalone: admin(single, [single]),
    cluster: admin(routed, clusterNodes),
    async close() {
      for (const node of nodes) node.destroy();
      routed.destroy();
    },
  };
}

/** A connected client of one kind; `close()` disconnects it. */
export interface RedisTarget {
  kind: RedisKind;
  client: RedisClientLike;
  /** The same server's URL(s), for child processes: one for a standalone server, every node's for a cluster. */
  urls: string[];
  close(): Promise<void>;
}

/** Connects a client of `kind` to the matching server; resolves once it is ready. */
export async function connectRedis(kind: RedisKind, servers: RedisServers): Promise<RedisTarget> {
  const urls = onCluster(kind) ? servers.cluster().urls : [servers.standalone().url];
  const client = await openClient(kind, urls);
  return { kind, urls, client: client.client, close: client.close };
}

/** A client of `kind` for the enclosing `describe`: connected in `beforeAll`, closed in `afterAll`. */
export function useRedisKind(kind: RedisKind, servers: RedisServers): () => RedisTarget {
  let target: RedisTarget | undefined;
  beforeAll(async () => {
    target = await connectRedis(kind, servers);
  });
  afterAll(async () => {
    await target?.close();
  });
  return () => target!;
}
