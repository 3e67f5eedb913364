/**
 * Fleet mode: upstream requests against fleet size, with and without `redisFleet`, in one run,
 * against the local server with Cuttlegate's shared rate limit (600 requests/min for all keys).
 * In-process clients, each with its own fleet link and Redis subscriber connection; a real
 * redis-server. The limit's window is compressed to 1 s (10 requests per second = 600/min) and the
 * clients poll every second, so a minute of traffic takes a second: per-minute rates are measured
 * per second × 60.
 */
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { createFlagClient, cuttlegate, type FlagClient } from '../lib/index.js';
import { startServer, type FlagServer } from '../lib/server/index.js';
import { redisFleet } from '../lib/stores/index.js';
import { redisAvailable, startRedis } from '../spec/support/redis.js';
import { PROD_KEY, demoFlags } from '../spec/server/fixtures.js';
import { bundleMember, startMember, stopMembers, type Member } from '../spec/fleet/members.js';
import { report } from './support.js';

const apiKey = `cg_${randomBytes(32).toString('base64url')}`;
const SIZES = [1, 5, 20, 50];
const POLL_MS = 1_000;
const RUN_MS = 5_000;
const CHANGES = 4;
/** Cuttlegate's default limit, 600 per 60 s, compressed to its per-second rate. */
const LIMIT = { limit: 10, windowMs: 1_000 };

type Redis = ReturnType<typeof createClient>;

/** Upstream requests/min and per change, and 429s, for each fleet size with and without fleet mode. */
export async function fleetRequests(): Promise<void> {
  console.log(`\n10. Fleet mode: upstream requests vs fleet size (poll every ${POLL_MS / 1000} s, limit 600/min shared; target: 1 per change, independent of N)`);
  if (!redisAvailable) {
    console.log('  skipped: redis-server is not installed');
    return;
  }
  const [redisServer, server] = await Promise.all([startRedis(), startServer({ flags: benchFlags(), logger: { warn() {}, error() {} } })]);
  const redis: Redis = createClient({ url: redisServer.url });
  await redis.connect();
  const rows: Array<[string, string]> = [];
  try {
    for (const fleet of [false, true]) {
      for (const size of SIZES) {
        const result = await measure(server, fleet ? redis : undefined, size, rows.length);
        const mode = fleet ? 'fleet' : 'plain';
        rows.push([
          `${mode.padEnd(5)} N = ${String(size).padStart(2)}`,
          `${result.perMinute.toFixed(0).padStart(5)} req/min  ${result.perChange.toFixed(1).padStart(5)} req/change  ${String(result.limited).padStart(4)} × 429`,
        ]);
      }
    }
  } finally {
    await redis.close();
    await Promise.all([server.close(), redisServer.stop()]);
  }
  report(rows);
}

/**
 * Takeover time: fleets of 4 member processes (spec/fleet/child.ts) at two lease lengths; the leader
 * is SIGKILLed 3 times each, with a change made right after each kill. Prints the time from the kill
 * to the next leader, and to every survivor serving the change.
 */
export async function fleetTakeover(): Promise<void> {
  const KILLS = 3;
  console.log(`\n11. Fleet takeover: a SIGKILLed leader, ${KILLS} kills per lease length (4 processes, timeoutMs default)`);
  if (!redisAvailable) {
    console.log('  skipped: redis-server is not installed');
    return;
  }
  const [redisServer, server, bundle] = await Promise.all([startRedis(), startServer({ flags: demoFlags(), logger: { warn() {}, error() {} } }), bundleMember()]);
  const rows: Array<[string, string]> = [];
  let enabled = true;
  try {
    for (const leaseMs of [10_000, 3_000]) {
      const env = { SERVER_URL: server.url, API_KEY: PROD_KEY, REDIS_URL: redisServer.url, LEASE_MS: String(leaseMs), TIMEOUT_MS: String(Math.min(1_000, leaseMs / 5)), FLAG: 'dark-mode', PREFIX: `takeover${leaseMs}:` };
      let members: Member[] = Array.from({ length: KILLS + 1 }, () => startMember(bundle.file, env));
      const leaders = (): Member[] => members.filter((m) => m.state.role === 'leader');
      const takeovers: number[] = [];
      const reached: number[] = [];
      try {
        await until(() => leaders().length === 1 && members.every((m) => m.state.role !== undefined && m.state.enabled === enabled), 30_000);
        for (let kill = 0; kill < KILLS; kill += 1) {
          await delay(Math.random() * (leaseMs / 3)); // an arbitrary phase of the renewal beat
          const [leader] = leaders();
          leader!.kill('SIGKILL');
          await leader!.exited;
          const killedAt = Date.now();
          members = members.filter((m) => m !== leader);
          enabled = !enabled;
          server.toggle('demo', 'production', 'dark-mode', enabled);
          await until(() => leaders().length === 1, leaseMs * 2);
          takeovers.push(Date.now() - killedAt);
          await until(() => members.every((m) => m.state.enabled === enabled && m.state.state === 'ready'), 5_000);
          reached.push(Date.now() - killedAt);
        }
      } finally {
        await stopMembers(members);
      }
      const range = (values: number[]): string => `${(Math.min(...values) / 1000).toFixed(2)}–${(Math.max(...values) / 1000).toFixed(2)} s`;
      rows.push([`leaseMs ${leaseMs}`, `new leader after ${range(takeovers)}, the change made in the gap everywhere after ${range(reached)}`]);
    }
  } finally {
    await Promise.all([server.close(), redisServer.stop(), bundle.remove()]);
  }
  report(rows);
}

async function measure(server: FlagServer, redis: Redis | undefined, size: number, run: number): Promise<{ perMinute: number; perChange: number; limited: number }> {
  const transport = cuttlegate({ serverUrl: server.url, apiKey, project: 'bench', environment: 'production' });
  const silent = { warn() {}, error() {} };
  const make = (pollIntervalMs: number): FlagClient =>
    createFlagClient({
      transport,
      pollIntervalMs,
      circuitBreaker: false,
      logger: silent,
      ...(redis ? { fleet: redisFleet(redis, { prefix: `bench${run}-${pollIntervalMs}:`, leaseMs: 3_000 }) } : {}),
    });

  // Steady traffic: polls (and the stream) with the limit on, for RUN_MS.
  server.setRateLimit(undefined);
  let clients = Array.from({ length: size }, () => make(POLL_MS));
  await Promise.all(clients.map((client) => client.ready({ timeoutMs: 10_000 })));
  server.resetRequests();
  server.setRateLimit(LIMIT);
  await delay(RUN_MS);
  const requests = server.requests.bulk;
  const limited = server.requestLog.filter((entry) => entry.status === 429).length;
  await closeAll(clients, server);

  // Changes: polling off, limit off; each toggle is awaited on every client.
  server.setRateLimit(undefined);
  clients = Array.from({ length: size }, () => make(0));
  await Promise.all(clients.map((client) => client.ready({ timeoutMs: 10_000 })));
  await server.waitForStreams(redis ? 1 : size, 10_000);
  await quiet(server); // the refetch each stream makes once open is start-up, not a change
  server.resetRequests();
  for (let change = 0; change < CHANGES; change += 1) {
    const enabled = change % 2 === 1;
    server.toggle('bench', 'production', 'switch', enabled);
    await until(() => clients.every((client) => client.evaluate('switch').enabled === enabled));
  }
  await delay(400); // past the engine's re-check window, so late requests are counted
  const perChange = server.requests.bulk / CHANGES;
  await closeAll(clients, server);
  return { perMinute: (requests / RUN_MS) * 60_000, perChange, limited };
}

async function closeAll(clients: FlagClient[], server: FlagServer): Promise<void> {
  for (const client of clients) client.close();
  await until(() => server.streamCount === 0);
}

/** Resolves once no request has arrived for 500 ms. */
async function quiet(server: FlagServer): Promise<void> {
  let seen = -1;
  while (server.requests.total !== seen) {
    seen = server.requests.total;
    await delay(500);
  }
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('fleet bench: timed out');
    await delay(10);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function benchFlags() {
  return {
    adminKey: 'bench-admin-key',
    projects: [
      {
        slug: 'bench',
        environments: [{ slug: 'production', apiKeys: [apiKey] }],
        flags: [{ key: 'switch', type: 'bool' as const, defaultVariant: 'true', environments: { production: { enabled: true } } }],
      },
    ],
  };
}
