/**
 * A fleet member whose SUBSCRIBE connection never opens (the spec's proxy answers only the first
 * connection to Redis): it joins as a follower, goes solo when its subscription times out, then
 * closes the client and its Redis client and prints `{"closed":true}`. Nothing is left to keep it
 * alive, so it must exit by itself. Environment: SERVER_URL, API_KEY, REDIS_URL, PREFIX, LEASE_MS.
 */
import { createClient } from 'redis';
import { filter, firstValueFrom } from 'rxjs';
import { createFlagClient, cuttlegate } from '../../lib/index.js';
import { redisFleet } from '../../lib/stores/index.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const print = (line: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(line)}\n`);

const redis = createClient({ url: env('REDIS_URL') });
redis.on('error', () => undefined);
await redis.connect();
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
redis.destroy();
print({ closed: true });
