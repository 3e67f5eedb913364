import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFlagClient, cuttlegate, rollgate, type ClientEvent, type FlagClient, type Transport } from '../../lib/index.js';
import { startServer, type FlagServer } from '../../lib/server/index.js';
import { StoreError, fileStore } from '../../lib/stores/index.js';
import { freePort } from '../support/redis.js';
import { spawnTs, type Spawned } from '../support/spawn.js';
import { silent } from '../support/virtual.js';
import { fastRetry, handleLeakCheck, until } from './support/chaos.js';
import { CHAOS_KEY, flagsDoc } from './support/flags-doc.js';

/** A process starts while the server is down: yesterday's store file serves, the server's answer replaces it. */
/** A streaming client of user-1 (plan pro) whose store is the file at `path`, with the suite's fast retries. */
function storeBackedClient(transport: Transport, path: string): FlagClient {
  return createFlagClient({
    transport,
    context: { userId: 'user-1', attributes: { plan: 'pro' } },
    store: fileStore(path),
    streaming: true,
    pollIntervalMs: 0,
    timeoutMs: 1_000,
    logger: silent,
    ...fastRetry,
  });
}

describe('chaos: a cold start with the server down', () => {
  let dir: string;
  let server: FlagServer | undefined;
  let writer: Spawned | undefined;
  let client: FlagClient | undefined;
  let leaks: ReturnType<typeof handleLeakCheck>;

  beforeEach(() => {
    leaks = handleLeakCheck();
    dir = mkdtempSync(join(tmpdir(), 'flagstream-cold-'));
  });

  afterEach(async () => {
    client?.close();
    client = undefined;
    await server?.close();
    server = undefined;
    if (writer && writer.child.exitCode === null && writer.child.signalCode === null) {
      process.kill(writer.child.pid!, 'SIGKILL');
      await writer.exited;
    }
    rmSync(dir, { recursive: true, force: true });
    await leaks.expectNoneLeft();
  });

  it('a fileStore written by a previous process serves the flags; the client goes fresh when the server comes up, without a restart', async () => {
    const path = join(dir, 'flags-cache.json');
    const port = await freePort();
    server = await startServer({ flags: flagsDoc('from-yesterday'), port });
    writer = spawnTs(['spec/chaos/support/store-writer-process.ts'], { CHAOS_URL: server.url, CHAOS_KEY, CHAOS_STORE: path });
    await writer.waitFor(/^(saved|failed)/, 20_000);
    expect(writer.output()).toMatch(/^saved$/m);
    expect(await writer.exited).toBe(0);
    expect(readFileSync(path, 'utf8')).not.toContain(CHAOS_KEY);
    await server.close();
    server = undefined;

    const started = performance.now();
    client = storeBackedClient(cuttlegate({ serverUrl: `http://127.0.0.1:${port}`, apiKey: CHAOS_KEY, project: 'demo', environment: 'production' }), path);
    expect(await client.ready()).toMatchObject({ ok: true, source: 'store' });
    console.log(`chaos: cold start with the server down, ready from the store file in ${Math.round(performance.now() - started)} ms`);
    expect(client.string('banner', 'none')).toBe('from-yesterday');
    expect(client.status).toMatchObject({ source: 'store' });

    server = await startServer({ flags: flagsDoc('from-today'), port });
    const upAt = performance.now();
    await until(() => client!.string('banner', 'none') === 'from-today', 'the fresh value', 10_000);
    console.log(`chaos: fresh from the network ${Math.round(performance.now() - upAt)} ms after the server came up`);
    expect(client.status).toMatchObject({ state: 'ready', source: 'network' });
  }, 40_000);

  it('Rollgate: the record is keyed by a fingerprint of the key, never the key; a cold start serves it', async () => {
    const path = join(dir, 'flags-cache.json');
    const port = await freePort();
    server = await startServer({ flags: flagsDoc('rollgate-yesterday'), port });
    writer = spawnTs(['spec/chaos/support/store-writer-process.ts'], { CHAOS_URL: server.url, CHAOS_KEY, CHAOS_STORE: path, CHAOS_PROTOCOL: 'rollgate' });
    await writer.waitFor(/^(saved|failed)/, 20_000);
    expect(writer.output()).toMatch(/^saved$/m);
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain(CHAOS_KEY);
    expect(text).not.toContain(CHAOS_KEY.slice(-16));
    await server.close();
    server = undefined;
    client = storeBackedClient(rollgate({ baseUrl: `http://127.0.0.1:${port}`, apiKey: CHAOS_KEY }), path);
    expect(await client.ready()).toMatchObject({ ok: true, source: 'store' });
    expect(client.string('banner', 'none')).toBe('rollgate-yesterday');
  }, 40_000);

  it('a store record of another user is never served: that client waits for the network instead', async () => {
    const path = join(dir, 'flags-cache.json');
    const port = await freePort();
    server = await startServer({ flags: flagsDoc('for-user-1'), port });
    writer = spawnTs(['spec/chaos/support/store-writer-process.ts'], { CHAOS_URL: server.url, CHAOS_KEY, CHAOS_STORE: path });
    await writer.waitFor(/^(saved|failed)/, 20_000);
    await server.close();
    server = undefined;
    client = createFlagClient({
      transport: cuttlegate({ serverUrl: `http://127.0.0.1:${port}`, apiKey: CHAOS_KEY, project: 'demo', environment: 'production' }),
      context: { userId: 'user-2', attributes: { plan: 'pro' } },
      store: fileStore(path),
      streaming: false,
      pollIntervalMs: 0,
      timeoutMs: 500,
      logger: silent,
      ...fastRetry,
    });
    const result = await client.ready({ timeoutMs: 1_500 });
    expect(result.ok).toBe(false);
    expect(client.string('banner', 'none')).toBe('none');
  }, 40_000);

  it('a store that cannot write never breaks the client: reads stay live and a store-error event reports it', async () => {
    const port = await freePort();
    server = await startServer({ flags: flagsDoc('live'), port });
    const events: ClientEvent[] = [];
    client = createFlagClient({
      transport: cuttlegate({ serverUrl: server.url, apiKey: CHAOS_KEY, project: 'demo', environment: 'production' }),
      store: fileStore(dir),
      streaming: true,
      pollIntervalMs: 0,
      logger: silent,
      ...fastRetry,
    });
    client.events$.subscribe((event) => events.push(event));
    expect(await client.ready()).toMatchObject({ ok: true, source: 'network' });
    await until(() => events.some((e) => e.type === 'store-error'), 'a store-error event', 5_000);
    const reported = events.find((e) => e.type === 'store-error');
    expect(reported).toMatchObject({ operation: 'save', error: expect.any(StoreError) });
    expect(client.string('banner', 'none')).toBe('live');
    expect(client.status.state).toBe('ready');
  }, 20_000);
});
