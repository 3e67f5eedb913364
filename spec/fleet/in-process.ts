/** The setting of the one-process fleet specs: a real Redis, the local server, and the clients a test made. */
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { FlagClient } from '../../lib/index.js';
import { startServer, type FlagServer, type FlagsDocument } from '../../lib/server/index.js';
import { startRedis, type RedisInstance } from '../support/redis.js';

/** What {@link useFleetWorld} gives a `describe`: read inside tests. */
export interface FleetWorld {
  redis(): ReturnType<typeof createClient>;
  redisServer(): RedisInstance;
  server(): FlagServer;
  /** Closes `client` after the test. */
  track(client: FlagClient): FlagClient;
}

/**
 * Starts redis-server (by PID), a connected client and the local server with `flags` for the
 * enclosing `describe`; closes each test's clients after it (then `afterEachTest`), and everything
 * after the last.
 */
export function useFleetWorld(flags: () => FlagsDocument, afterEachTest?: (world: FleetWorld) => void): FleetWorld {
  let redisServer: RedisInstance | undefined;
  let server: FlagServer | undefined;
  let redis: ReturnType<typeof createClient> | undefined;
  let clients: FlagClient[] = [];
  const world: FleetWorld = {
    redis: () => redis!,
    redisServer: () => redisServer!,
    server: () => server!,
    track: (client) => (clients.push(client), client),
  };
  beforeAll(async () => {
    [redisServer, server] = await Promise.all([startRedis(), startServer({ flags: flags(), logger: { warn() {}, error() {} } })]);
    redis = createClient({ url: redisServer.url });
    await redis.connect();
  }, 20_000);
  afterEach(() => {
    for (const client of clients) client.close();
    clients = [];
    afterEachTest?.(world);
  });
  afterAll(async () => {
    await redis?.close();
    await Promise.all([redisServer?.stop(), server?.close()]);
  });
  return world;
}
