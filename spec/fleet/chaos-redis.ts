/**
 * The Redis a fleet chaos suite runs against, with the faults it provokes. The suite takes a
 * factory, so the same scenarios run on a single server and on a 3-master Redis Cluster.
 */
import { createClient } from 'redis';
import type { RedisKind } from '../support/redis-clients.js';
import { startRedisCluster } from '../support/redis-cluster.js';
import { startRedis } from '../support/redis.js';

/** A running Redis deployment and its faults. */
export interface ChaosRedis {
  /** What member number `member` (0, 1, …) of a fleet (spec/fleet/child.ts) needs in its environment to connect. */
  env(member: number): Record<string, string>;
  /** Drops every key (FLUSHALL), as a flush or a mass eviction would. */
  flushAll(): Promise<void>;
  /** Stops every server and starts it again empty, on the same address (no persistence). */
  restartEmpty(): Promise<void>;
  /** Freezes every server process (SIGSTOP): connections stay open, nothing answers. */
  pause(): void;
  /** Thaws them (SIGCONT). */
  resume(): void;
  /**
   * A cluster only: freezes (SIGSTOP) one master, the one holding the keys that match `pattern` or
   * (`holding` false) one holding none of them; resolves to the function that thaws it.
   */
  freezeMaster?(pattern: string, holding: boolean): Promise<() => void>;
  /** Stops everything it started (by PID), removes its files and closes its clients. */
  stop(): Promise<void>;
}

/** A factory of one kind of deployment, with the name the suite reports. */
export interface ChaosRedisFactory {
  name: string;
  /** Its deployments have several masters (and `freezeMaster`). */
  cluster?: boolean;
  start(): Promise<ChaosRedis>;
}

/** One `redis-server` on a free loopback port, without persistence. */
export const standaloneRedis: ChaosRedisFactory = {
  name: 'single redis-server',
  async start() {
    const server = await startRedis();
    let nodes = await AdminNodes.open([server.url]);
    const signal = (name: NodeJS.Signals): void => void process.kill(server.pid, name);
    return {
      env: () => ({ REDIS_URL: server.url }),
      flushAll: () => nodes.flushAll(),
      async restartEmpty() {
        nodes.close();
        await server.restart();
        nodes = await AdminNodes.open([server.url]);
      },
      pause: () => signal('SIGSTOP'),
      resume: () => signal('SIGCONT'),
      async stop() {
        nodes.close();
        signal('SIGCONT'); // a paused server could not stop
        await server.stop();
      },
    };
  },
};

/**
 * A 3-master Redis Cluster on loopback (spec/support/redis-cluster.ts), the members of a fleet
 * connecting with each of `kinds` in turn (one fleet, different clients on the same keys). A restart
 * stops every node, starts each empty on the same ports and creates the cluster again
 * (`redis-cli --cluster create`, then `cluster_state:ok` on every node); `FLUSHALL` runs on every
 * master; a freeze stops every node process, `freezeMaster` one.
 */
export function clusterRedis(kinds: ReadonlyArray<Extract<RedisKind, `${string} cluster`>>): ChaosRedisFactory {
  return {
    name: `3-master Redis Cluster, members on ${kinds.join(' / ')} in turn`,
    cluster: true,
    async start() {
      const cluster = await startRedisCluster();
      let nodes = await AdminNodes.open(cluster.urls);
      const signal = (name: NodeJS.Signals): void => cluster.pids.forEach((pid) => process.kill(pid, name));
      return {
        env: (member) => ({ REDIS_KIND: kinds[member % kinds.length]!, REDIS_URL: cluster.urls.join(',') }),
        flushAll: () => nodes.flushAll(),
        async restartEmpty() {
          nodes.close();
          await cluster.restartEmpty();
          nodes = await AdminNodes.open(cluster.urls);
        },
        pause: () => signal('SIGSTOP'),
        resume: () => signal('SIGCONT'),
        async freezeMaster(pattern, holding) {
          const holds = await nodes.holding(pattern);
          const pid = cluster.pids[holds.indexOf(holding)];
          if (pid === undefined) throw new Error(`no master ${holding ? 'holds' : 'lacks'} keys matching ${pattern}`);
          process.kill(pid, 'SIGSTOP');
          return () => void process.kill(pid, 'SIGCONT');
        },
        async stop() {
          nodes.close();
          signal('SIGCONT'); // paused nodes could not stop
          await cluster.stop();
        },
      };
    },
  };
}

/** A node-redis client on each server (each master of a cluster, in the cluster's order), for FLUSHALL and KEYS. */
class AdminNodes {
  private constructor(private readonly clients: ReadonlyArray<{ sendCommand(args: string[]): Promise<unknown>; destroy(): void }>) {}

  static async open(urls: readonly string[]): Promise<AdminNodes> {
    const clients = urls.map((url) => createClient({ url }));
    for (const client of clients) client.on('error', () => undefined);
    await Promise.all(clients.map((client) => client.connect()));
    return new AdminNodes(clients);
  }

  async flushAll(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.sendCommand(['FLUSHALL'])));
  }

  /** Per node, whether it holds a key matching `pattern`. */
  async holding(pattern: string): Promise<boolean[]> {
    const keys = await Promise.all(this.clients.map((client) => client.sendCommand(['KEYS', pattern]) as Promise<string[]>));
    return keys.map((found) => found.length > 0);
  }

  close(): void {
    for (const client of this.clients) client.destroy();
  }
}
