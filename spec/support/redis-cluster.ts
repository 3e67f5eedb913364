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
  /** The node processes' PIDs (they change with `restartEmpty()`). */
  readonly pids: number[];
  /**
   * Stops every node, starts each again empty (no data, no cluster configuration) on the same
   * ports, creates the cluster anew and resolves once every node says `cluster_state:ok`.
   */
  restartEmpty(): Promise<void>;
  /** Stops every node (SIGTERM by PID), waits for them to exit and removes their directories. */
  stop(): Promise<void>;
}

/** One node's addresses. */
interface NodePorts {
  port: number;
  busPort: number;
}

/**
 * Starts three `redis-server --cluster-enabled yes` nodes on free ports (each with its own bus port
 * and a config file in a temp directory), joins them with `redis-cli --cluster create` (every slot
 * assigned, no replicas) and resolves once every node reports `cluster_state:ok`.
 */
export async function startRedisCluster(timeoutMs = 20_000): Promise<RedisClusterInstance> {
  const dir = await mkdtemp(join(tmpdir(), 'flagstream-cluster-'));
  const addresses: NodePorts[] = [];
  let nodes: ChildProcess[] = [];
  const stopNodes = async (): Promise<void> => {
    await Promise.all(nodes.map(stopNode));
    nodes = [];
  };
  const stop = async (): Promise<void> => {
    await stopNodes();
    await rm(dir, { recursive: true, force: true });
  };
  const ports = (): number[] => addresses.map((node) => node.port);
  const form = async (): Promise<void> => {
    nodes = await Promise.all(addresses.map((node) => launchNode(node, dir, timeoutMs)));
    await create(ports(), timeoutMs);
  };
  try {
    for (let i = 0; i < 3; i += 1) addresses.push(await distinctPorts(addresses));
    await form();
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    ports: ports(),
    urls: ports().map((port) => `redis://127.0.0.1:${port}`),
    get pids() {
      return nodes.map((node) => node.pid!);
    },
    async restartEmpty() {
      await stopNodes();
      // Without its config file a node starts as a new, empty node that knows no cluster.
      await Promise.all(addresses.map(({ port }) => rm(configFile(dir, port), { force: true })));
      await form();
    },
    stop,
  };
}

/** A data port and a bus port, free and not among `taken`. */
async function distinctPorts(taken: readonly NodePorts[]): Promise<NodePorts> {
  const used = taken.flatMap((node) => [node.port, node.busPort]);
  for (;;) {
    const port = await freePort();
    const busPort = await freePort();
    if (port !== busPort && !used.includes(port) && !used.includes(busPort)) return { port, busPort };
  }
}

const configFile = (dir: string, port: number): string => join(dir, `nodes-${port}.conf`);

function launchNode({ port, busPort }: NodePorts, dir: string, timeoutMs: number): Promise<ChildProcess> {
  const config = ['--cluster-enabled', 'yes', '--cluster-config-file', configFile(dir, port), '--cluster-node-timeout', '5000'];
  const args = ['--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1', ...config, '--dir', dir, '--save', '', '--appendonly', 'no'];
  return spawnRedisServer(args, timeoutMs);
}

/** Joins the nodes on `ports` into one cluster (slots split in their order) and waits for `cluster_state:ok` on each. */
async function create(ports: readonly number[], timeoutMs: number): Promise<void> {
  const addresses = ports.map((port) => `127.0.0.1:${port}`);
  await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { timeout: timeoutMs });
  await Promise.all(ports.map((port) => clusterOk(port, timeoutMs)));
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
