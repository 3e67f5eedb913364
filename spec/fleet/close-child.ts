/**
 * A fleet member whose SUBSCRIBE connection never opens (the spec's proxy answers only the first
 * connection to Redis): it joins as a follower, goes solo when its subscription times out, then
 * closes the client and its Redis client and prints `{"closed":true}`. Nothing is left to keep it
 * alive, so it must exit by itself. Environment: SERVER_URL, API_KEY, REDIS_URL, PREFIX, LEASE_MS,
 * REDIS_KIND (`node-redis` or `ioredis`).
 */
import { filter, firstValueFrom } from 'rxjs';
import { createFlagClient, cuttlegate } from '../../lib/index.js';
import { redisFleet } from '../../lib/stores/index.js';
import { openClient, type RedisKind } from '../support/redis-clients.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const print = (line: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(line)}\n`);

const { client: redis, close: closeRedis } = await openClient(env('REDIS_KIND') as RedisKind, [env('REDIS_URL')]);
const client = createFlagClient({
  transport: cuttlegate({ serverUrl: env('SERVER_URL'), apiKey: env('API_KEY'), project: 'demo', environment: 'production' }),
  pollIntervalMs: 0,
  circuitBreaker: false,
  logger: { warn: () => undefined, error: () => undefined },
  fleet: redisFleet(redis, { prefix: env('PREFIX'), leaseMs: Number(env('LEASE_MS')), timeoutMs: 200 }),
});
void client.ready();
const solo = await firstValueFrom(client.status$.pipe(filter((status) => status.role === 'solo' && status.state === 'ready')));
print({ role: solo.role, state: solo.state, source: solo.source, error: solo.error?.name, darkMode: client.evaluate('dark-mode').enabled });
client.close();
await closeRedis();
print({ closed: true });
