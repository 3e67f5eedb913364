/**
 * One fleet member for the fleet specs and bench: a client on the local server's Cuttlegate routes
 * with `redisFleet`. Prints JSON lines: `{"role":…}` on each role change, `{"state":…,"error":…}` on
 * each state change (the error's name), `{"flag":…,"enabled":…}` on each value of FLAG. Exits on SIGTERM after closing the client.
 * Environment: SERVER_URL, API_KEY, REDIS_URL, LEASE_MS, TIMEOUT_MS, FLAG; PREFIX and USER_ID optional.
 */
import { createClient } from 'redis';
import { createFlagClient, cuttlegate } from '../../lib/index.js';
import { redisFleet } from '../../lib/stores/index.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const print = (line: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify({ pid: process.pid, ...line })}\n`);

const redis = createClient({ url: env('REDIS_URL'), socket: { reconnectStrategy: () => 200, connectTimeout: 1_000 } });
redis.on('error', () => undefined); // the fleet reports Redis trouble through status and events
await redis.connect();
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
  setTimeout(() => void redis.close().finally(() => process.exit(0)), 50);
});
