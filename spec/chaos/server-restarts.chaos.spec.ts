import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFlagClient, cuttlegate, type FlagClient } from '../../lib/index.js';
import { freePort } from '../support/redis.js';
import { spawnTs, type Spawned } from '../support/spawn.js';
import { silent } from '../support/virtual.js';
import { fastRetry, handleLeakCheck, until } from './support/chaos.js';
import { CHAOS_KEY, flagsDoc } from './support/flags-doc.js';

const CLIENTS = 20;
const RESTARTS = 5;

/** `flagstream serve` as a real process, killed (SIGKILL) and started again on the same port. */
describe('chaos: the server process killed and restarted while clients stream', () => {
  let dir: string;
  let serve: Spawned | undefined;
  let clients: FlagClient[] = [];
  let leaks: ReturnType<typeof handleLeakCheck>;

  beforeEach(() => {
    leaks = handleLeakCheck();
    dir = mkdtempSync(join(tmpdir(), 'flagstream-chaos-'));
  });

  afterEach(async () => {
    for (const client of clients) client.close();
    clients = [];
    await kill();
    rmSync(dir, { recursive: true, force: true });
    await leaks.expectNoneLeft();
  });

  async function kill(): Promise<void> {
    if (serve && serve.child.exitCode === null && serve.child.signalCode === null) {
      process.kill(serve.child.pid!, 'SIGKILL');
      await serve.exited;
    }
    serve = undefined;
  }

  async function start(file: string, port: number): Promise<void> {
    serve = spawnTs(['lib/cli/main.ts', 'serve', file, '--port', String(port)]);
    await serve.waitFor(/listening on/, 15_000);
  }

  it(`${RESTARTS} kills and restarts, ${CLIENTS} streaming clients: changes made while down arrive after each reconnect; no client loses its last good value`, async () => {
    const file = join(dir, 'flags.json');
    const port = await freePort();
    writeFileSync(file, JSON.stringify(flagsDoc('v0')));
    await start(file, port);
    const seen: string[][] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const client = createFlagClient({
        transport: cuttlegate({ serverUrl: `http://127.0.0.1:${port}`, apiKey: CHAOS_KEY, project: 'demo', environment: 'production' }),
        context: { userId: `user-${i}` },
        streaming: true,
        pollIntervalMs: 0,
        timeoutMs: 2_000,
        logger: silent,
        ...fastRetry,
      });
      const values: string[] = [];
      client.string$('banner', 'none').subscribe((value) => values.push(value));
      seen.push(values);
      clients.push(client);
    }
    const results = await Promise.all(clients.map((c) => c.ready()));
    expect(results.every((r) => r.ok)).toBe(true);

    const convergence: number[] = [];
    for (let round = 1; round <= RESTARTS; round++) {
      await kill();
      writeFileSync(file, JSON.stringify(flagsDoc(`v${round}`)));
      await until(() => clients.every((c) => !c.status.streaming), 'every client to notice the outage');
      expect(clients.every((c) => c.string('banner', 'none') === `v${round - 1}`)).toBe(true);
      await start(file, port);
      const upAt = performance.now();
      await until(() => clients.every((c) => c.string('banner', 'none') === `v${round}`), `round ${round} to converge`, 15_000);
      convergence.push(Math.round(performance.now() - upAt));
    }
    console.log(
      `chaos: ${CLIENTS} clients, ${RESTARTS} kill/restart cycles of flagstream serve; all converged on the change made while down in ` +
        `${convergence.join(', ')} ms (max ${Math.max(...convergence)} ms) after the server was listening again`,
    );
    const expected = Array.from({ length: RESTARTS + 1 }, (_, i) => `v${i}`);
    for (const values of seen) expect(values.slice(values.indexOf('v0'))).toEqual(expected);
  }, 120_000);
});
