/**
 * Opens each Redis client flagstream accepts (node-redis and ioredis, standalone and cluster).
 * No test-runner imports: spec/fleet/child.ts bundles it into the fleet member processes.
 */
import { Cluster, Redis } from 'ioredis';
import { createClient, createCluster } from 'redis';
import type { RedisClientLike } from '../../lib/stores/index.js';

/** Every client kind the stores and the fleet accept. */
export const REDIS_KINDS = ['node-redis', 'node-redis cluster', 'ioredis', 'ioredis cluster'] as const;
export type RedisKind = (typeof REDIS_KINDS)[number];

/** Whether `kind` talks to a cluster. */
export const onCluster = (kind: RedisKind): boolean => kind.endsWith('cluster');

/** A client of `kind` on `urls` (a cluster: any of its nodes' URLs), connected; errors it emits are ignored (the fleet reports Redis trouble itself). */
export async function openClient(
  kind: RedisKind,
  urls: readonly string[],
  auth: { username?: string; password?: string } = {},
): Promise<{ client: RedisClientLike; close(): Promise<void> }> {
  const addresses = urls.map((url) => {
    const { hostname, port } = new URL(url);
    return { host: hostname, port: Number(port) };
  });
  switch (kind) {
    case 'node-redis': {
      const client = createClient({ url: urls[0]!, ...auth, socket: { reconnectStrategy: () => 200, connectTimeout: 1_000 } });
      client.on('error', () => undefined);
      await client.connect();
      return { client, close: async () => client.destroy() };
    }
    case 'node-redis cluster': {
      const cluster = createCluster({ rootNodes: urls.map((url) => ({ url })), defaults: auth });
      cluster.on('error', () => undefined);
      await cluster.connect();
      return { client: cluster, close: async () => cluster.destroy() };
    }
    case 'ioredis': {
      const client = new Redis({ ...addresses[0]!, ...auth, lazyConnect: true });
      client.on('error', () => undefined);
      await client.connect();
      return { client, close: async () => client.disconnect() };
    }
    case 'ioredis cluster': {
      const cluster = new Cluster(addresses, { lazyConnect: true, redisOptions: auth });
      cluster.on('error', () => undefined);
      await cluster.connect();
      return { client: cluster, close: async () => cluster.disconnect() };
    }
  }
}

