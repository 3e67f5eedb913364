/**
 * One fleet member for the fleet specs and bench: a client on the local server's Cuttlegate routes
 * with `redisFleet`. Prints JSON lines: `{"role":…}` on each role change, `{"state":…,"error":…}` on
 * each state change (the error's name), `{"flag":…,"enabled":…}` on each value of FLAG. Exits on SIGTERM after closing the client.
 * Environment: SERVER_URL, API_KEY, REDIS_URL (a cluster: its nodes' URLs, comma-separated), LEASE_MS,
 * TIMEOUT_MS, FLAG; PREFIX, USER_ID and REDIS_KIND (default `node-redis`; see spec/support/redis-clients.ts) optional.
 */
import { createFlagClient, cuttlegate } from '../../lib/index.js';
import { redisFleet } from '../../lib/stores/index.js';
import { openClient, type RedisKind } from '../support/redis-clients.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const print = (line: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify({ pid: process.pid, ...line })}\n`);

const kind = (process.env.REDIS_KIND ?? 'node-redis') as RedisKind;
const { client: redis, close: closeRedis } = await openClient(kind, env('REDIS_URL').split(','));
print({ redis: kind }); // connected (a member that hangs before this line shows none in a failure summary)
const client = createFlagClient({
  transport: cuttlegate({ serverUrl: env('SERVER_URL'), apiKey: env('API_KEY'), project: 'demo', environment: 'production' }),
  context: process.env.USER_ID ? { userId: process.env.USER_ID } : {},
  pollIntervalMs: 0,
  circuitBreaker: false,
  logger: { warn: () => undefined, error: (message) => print({ error: message }) },
  fleet: redisFleet(redis, { leaseMs: Number(env('LEASE_MS')), timeoutMs: Number(env('TIMEOUT_MS')), prefix: process.env.PREFIX }),
});
let role: string | undefined;
let state: string | undefined;
client.status$.subscribe((status) => {
  if (status.role !== role) print({ role: (role = status.role) });
  if (status.state !== state) print({ state: (state = status.state), error: status.error?.name });
});
client.flag$(env('FLAG')).subscribe((result) => print({ flag: result.key, enabled: result.enabled }));

// The spec holds our stdin: if it goes away without stopping us, exit rather than linger.
process.stdin.once('close', () => process.exit(0)).resume();
process.once('SIGTERM', () => {
  client.close();
  setTimeout(() => void closeRedis().finally(() => process.exit(0)), 50);
});
