import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, spawnRedisServer } from './redis.js';

const run = promisify(execFile);

/** A real 3-master Redis Cluster on loopback, no replicas, no persistence; stop it with `stop()`. */
export interface RedisClusterInstance {
  /** The masters' ports. */
  ports: number[];
  /** `redis://127.0.0.1:<port>` of each master (any one is enough to discover the cluster). */
  urls: string[];
  /** Stops every node (SIGTERM by PID), waits for them to exit and removes their directories. */
  stop(): Promise<void>;
}

/**
 * Starts three `redis-server --cluster-enabled yes` nodes on free ports (each with its own bus port
 * and a config file in a temp directory), joins them with `redis-cli --cluster create` (every slot
 * assigned, no replicas) and resolves once every node reports `cluster_state:ok`.
 */
export async function startRedisCluster(timeoutMs = 20_000): Promise<RedisClusterInstance> {
  const dir = await mkdtemp(join(tmpdir(), 'flagstream-cluster-'));
  const nodes: ChildProcess[] = [];
  const ports: number[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map(stopNode));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 3; i += 1) {
      const [port, busPort] = await distinctPorts(ports);
      ports.push(port);
      nodes.push(await launchNode(port, busPort, dir, timeoutMs));
    }
    const addresses = ports.map((port) => `127.0.0.1:${port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { timeout: timeoutMs });
    await Promise.all(ports.map((port) => clusterOk(port, timeoutMs)));
  } catch (error) {
    await stop();
    throw error;
  }
  return { ports, urls: ports.map((port) => `redis://127.0.0.1:${port}`), stop };
}

/** A data port and a bus port, free and not among `taken`. */
async function distinctPorts(taken: readonly number[]): Promise<[number, number]> {
  for (;;) {
    const port = await freePort();
    const busPort = await freePort();
    if (port !== busPort && !taken.includes(port) && !taken.includes(busPort)) return [port, busPort];
  }
}

function launchNode(port: number, busPort: number, dir: string, timeoutMs: number): Promise<ChildProcess> {
  const config = ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '5000'];
  const args = ['--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1', ...config, '--dir', dir, '--save', '', '--appendonly', 'no'];
  return spawnRedisServer(args, timeoutMs);
}

/** Resolves once the node on `port` says `cluster_state:ok` (polled every 100 ms). */
async function clusterOk(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info'], { timeout: 5_000 });
    if (/cluster_state:ok/.test(stdout)) return;
    if (Date.now() > deadline) throw new Error(`cluster node ${port} not ok within ${timeoutMs} ms:\n${stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stopNode(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid!, 'SIGTERM');
  await exited;
}
