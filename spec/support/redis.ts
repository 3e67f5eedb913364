import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createClient } from 'redis';
import { afterAll, beforeAll } from 'vitest';
import { hasService } from './services.js';

/** `redis-server` is here (else its specs skip, except in CI). Use with `describe.skipIf(!redisAvailable)`. */
export const redisAvailable = hasService('redis-server');

/** A real Redis on a free loopback port, with no persistence; stop it with `stop()`. */
export interface RedisInstance {
  url: string;
  port: number;
  pid: number;
  /** Stops the server (SIGTERM by PID) and resolves once it has exited. */
  stop(): Promise<void>;
  /** Kills it at once (SIGKILL), for outage specs; `restart()` brings it back on the same port. */
  kill(): Promise<void>;
  restart(): Promise<void>;
}

/** Starts `redis-server` on 127.0.0.1 and a free port; resolves once it accepts connections. */
export async function startRedis(timeoutMs = 10_000): Promise<RedisInstance> {
  const port = await freePort();
  let child = await launch(port, timeoutMs);
  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(child.pid!, signal);
    await exited;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return child.pid!;
    },
    stop: () => stopWith('SIGTERM'),
    kill: () => stopWith('SIGKILL'),
    async restart() {
      await stopWith('SIGTERM');
      child = await launch(port, timeoutMs);
    },
  };
}

function launch(port: number, timeoutMs: number): Promise<ChildProcess> {
  return spawnRedisServer(['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'], timeoutMs);
}

/** Runs `redis-server` with `args`; resolves once it accepts connections (it is killed if that takes over `timeoutMs`). */
export function spawnRedisServer(args: string[], timeoutMs: number): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const what = `redis-server ${args.slice(0, 2).join(' ')}`;
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (/Ready to accept connections/.test(output)) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        child.stderr!.resume();
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before it was ready:\n${output}`));
    });
  });
}

/** A port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A node-redis client connected to a {@link RedisInstance}. */
export type RedisClient = ReturnType<typeof createClient>;

/**
 * A real Redis and a connected client for the enclosing `describe`: started in `beforeAll`, the
 * client destroyed and the server stopped (by PID) in `afterAll`. Read `redis()` inside tests.
 */
export function useRedis(): { redis: () => RedisClient; server: () => RedisInstance } {
  let server: RedisInstance | undefined;
  let client: RedisClient | undefined;
  beforeAll(async () => {
    server = await startRedis();
    client = createClient({ url: server.url });
    await client.connect();
  });
  afterAll(async () => {
    client?.destroy();
    await server?.stop();
  });
  return { redis: () => client!, server: () => server! };
}
