/**
 * The Redis coordinator's connections (real redis-server, the local server): `close()` ends a
 * subscriber connection that is still connecting, so the process can exit; a listener that joins a
 * SUBSCRIBE that fails subscribes again itself, so later notices reach it.
 */
import { createServer, connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { createFlagClient, cuttlegate, type FlagClient } from '../../lib/index.js';
import { RedisCoordinator } from '../../lib/stores/fleet/redis-coordinator.js';
import { redisConnection, type RedisConnection } from '../../lib/stores/redis-connection.js';
import { RedisCommandError, redisFleet } from '../../lib/stores/index.js';
import { redisAvailable } from '../support/redis.js';
import { spawnTs } from '../support/spawn.js';
import { useFleetWorld } from './in-process.js';
import { until } from './members.js';
import { PROD_KEY, demoFlags } from '../server/fixtures.js';

const LEASE_MS = 1_500;

/**
 * A loopback proxy to Redis that forwards only the first connection (the member's client); every
 * later one (its SUBSCRIBE connection) meets a Redis that is `frozen` (accepted, never answered) or
 * `absent` (closed at once, again on every retry).
 */
async function firstOnlyProxy(redisPort: number, fault: 'frozen' | 'absent') {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((socket) => {
    sockets.add(socket.on('close', () => sockets.delete(socket)).on('error', () => undefined));
    connections += 1;
    if (connections === 1) {
      const upstream = connect(redisPort, '127.0.0.1');
      sockets.add(upstream.on('close', () => sockets.delete(upstream)).on('error', () => socket.destroy()));
      socket.on('close', () => upstream.destroy());
      socket.pipe(upstream).pipe(socket);
    } else if (fault === 'absent') socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    /** Connections accepted so far. */
    connections: () => connections,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe.skipIf(!redisAvailable)('RedisCoordinator connections (real Redis)', () => {
  const world = useFleetWorld(demoFlags);
  let run = 0;

  const member = (prefix: string): FlagClient =>
    world.track(
      createFlagClient({
        transport: cuttlegate({ serverUrl: world.server().url, apiKey: PROD_KEY, project: 'demo', environment: 'production' }),
        pollIntervalMs: 0,
        logger: { warn() {}, error() {} },
        fleet: redisFleet(world.redis(), { prefix, leaseMs: LEASE_MS }),
      }),
    );

  const cases = (['node-redis', 'ioredis'] as const).flatMap((kind) => (['frozen', 'absent'] as const).map((fault) => [kind, fault] as const));
  it.each(cases)('%s: close() ends a subscriber connection still connecting (its Redis %s): the process exits by itself', async (kind, fault) => {
    const prefix = `close${(run += 1)}:`;
    const leader = member(prefix);
    await leader.ready();
    await firstValueFrom(leader.status$.pipe(filter((s) => s.role === 'leader' && s.state === 'ready'), timeout(5_000)));
    const proxy = await firstOnlyProxy(world.redisServer().port, fault);
    const child = spawnTs(['spec/fleet/close-child.ts'], { SERVER_URL: world.server().url, API_KEY: PROD_KEY, REDIS_URL: proxy.url, PREFIX: prefix, LEASE_MS: String(LEASE_MS), REDIS_KIND: kind });
    try {
      // It followed (its SUBSCRIBE connection was tried), then served on its own: ready from the network.
      const served = JSON.parse(await child.waitFor(/"role"/, 10_000)) as Record<string, unknown>;
      expect(served).toEqual({ role: 'solo', state: 'ready', source: 'network', error: undefined, darkMode: leader.evaluate('dark-mode').enabled });
      expect(proxy.connections()).toBeGreaterThanOrEqual(2);
      await child.waitFor(/"closed"/, 5_000);
      // ioredis has no way to end a socket at once: disconnect() ends it, and destroys it after its
      // `disconnectTimeout` (2 s) if the server does not close its side (frozen).
      const boundMs = kind === 'ioredis' ? 7_000 : 3_000;
      let timer: NodeJS.Timeout | undefined;
      const exited = await Promise.race([child.exited, new Promise<string>((resolve) => (timer = setTimeout(resolve, boundMs, `still running ${boundMs} ms after close`)))]);
      clearTimeout(timer);
      expect(exited, child.output()).toBe(0);
    } finally {
      if (child.child.exitCode === null) child.child.kill('SIGKILL');
      await child.exited;
      await proxy.close();
    }
  });

  it('a listener that joins while the first SUBSCRIBE fails subscribes again itself, and hears the next notice', async () => {
    const real = redisConnection(world.redis());
    let refuse = 1;
    // The first SUBSCRIBE is refused (as Redis does for a channel the user may not use); later ones pass.
    const connection: RedisConnection = {
      ...real,
      subscriber() {
        const subscription = real.subscriber();
        const subscribe = subscription.subscribe.bind(subscription);
        subscription.subscribe = (channel, listener) =>
          refuse-- > 0 ? Promise.reject(new RedisCommandError('SUBSCRIBE', 'NOPERM No permissions to access a channel')) : subscribe(channel, listener);
        return subscription;
      },
    };
    const coordinator = new RedisCoordinator(connection, { prefix: `race${(run += 1)}:`, leaseMs: LEASE_MS, timeoutMs: 1_000, sharedTtlMs: 1_000 }).retain().retain();
    const heard = { first: 0, joiner: 0 };
    const first = coordinator.listen('scope', () => void (heard.first += 1));
    const joiner = coordinator.listen('scope', () => void (heard.joiner += 1)); // joins the pending SUBSCRIBE
    await expect(first).rejects.toBeInstanceOf(RedisCommandError);
    const stop = await joiner;
    // A notice (a new leader's heartbeat) reaches the joiner.
    await coordinator.claim('scope', 'holder', { state: 'ready', since: new Date().toISOString() }, { epoch: '', version: 0, term: 0 });
    await until(() => heard.joiner === 1, 2_000, 'the joiner to hear the notice');
    expect(heard.first).toBe(0);
    stop();
    await coordinator.close();
    await coordinator.close();
  });
});
