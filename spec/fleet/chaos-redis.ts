/**
 * The Redis a fleet chaos suite runs against, with the faults it provokes. The suite takes a
 * factory, so the same scenarios run on a single server here and on other deployments (a cluster)
 * by adding a factory.
 */
import { createClient } from 'redis';
import { startRedis } from '../support/redis.js';

/** A running Redis deployment and its faults. */
export interface ChaosRedis {
  /** What a member process (spec/fleet/child.ts) needs in its environment to connect. */
  readonly env: Record<string, string>;
  /** Drops every key (FLUSHALL), as a flush or a mass eviction would. */
  flushAll(): Promise<void>;
  /** Stops every server and starts it again empty, on the same address (no persistence). */
  restartEmpty(): Promise<void>;
  /** Freezes every server process (SIGSTOP): connections stay open, nothing answers. */
  pause(): void;
  /** Thaws them (SIGCONT). */
  resume(): void;
  /** Stops everything it started (by PID) and closes its client. */
  stop(): Promise<void>;
}

/** A factory of one kind of deployment, with the name the suite reports. */
export interface ChaosRedisFactory {
  name: string;
  start(): Promise<ChaosRedis>;
}

/** One `redis-server` on a free loopback port, without persistence. */
export const standaloneRedis: ChaosRedisFactory = {
  name: 'single redis-server',
  async start() {
    const server = await startRedis();
    let client = createClient({ url: server.url });
    client.on('error', () => undefined);
    await client.connect();
    const signal = (name: NodeJS.Signals): void => void process.kill(server.pid, name);
    return {
      env: { REDIS_URL: server.url },
      flushAll: async () => void (await client.sendCommand(['FLUSHALL'])),
      async restartEmpty() {
        client.destroy();
        await server.restart();
        client = createClient({ url: server.url });
        client.on('error', () => undefined);
        await client.connect();
      },
      pause: () => signal('SIGSTOP'),
      resume: () => signal('SIGCONT'),
      async stop() {
        client.destroy();
        signal('SIGCONT'); // a paused server could not stop
        await server.stop();
      },
    };
  },
};
