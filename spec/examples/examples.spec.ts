import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type FlagServer } from '../../lib/server/index.js';
import { spawnTs, type Spawned } from '../support/spawn.js';

/** Every example runs for real against the local server started from examples/flags.json. */
describe('examples against the local flag server', () => {
  let server: FlagServer;
  let running: Spawned | undefined;

  beforeEach(async () => {
    server = await startServer({ file: 'examples/flags.json' });
  });

  afterEach(async () => {
    if (running && running.child.exitCode === null) {
      running.child.kill('SIGKILL');
      await running.exited;
    }
    running = undefined;
    await server.close();
  });

  const run = (path: string, env: Record<string, string> = {}): Spawned =>
    (running = spawnTs([path], { FLAGSTREAM_URL: server.url, ...env }));

  it('node-basic prints typed values, then the change when dark-mode is switched off, and exits on SIGINT', async () => {
    const example = run('examples/node-basic/index.ts');
    await example.waitFor(/^dark-mode:\s+true$/);
    expect(await example.waitFor(/^banner-text:/)).toMatch(/holiday-sale/);
    expect(await example.waitFor(/^max-items:/)).toMatch(/25/);
    await example.waitFor(/watching dark-mode/);
    await server.waitForStreams(1);
    server.toggle('demo', 'production', 'dark-mode', false);
    await example.waitFor(/dark-mode is now false \(variant false, reason disabled\)/);
    example.child.kill('SIGINT');
    expect(await example.exited).toBe(0);
  });

  it('worker-loop pauses and resumes with the flag and stops cleanly on SIGINT', async () => {
    const example = run('examples/worker-loop/index.ts');
    await example.waitFor(/new-checkout on: processing jobs/);
    await server.waitForStreams(1);
    server.toggle('demo', 'production', 'new-checkout', false);
    await example.waitFor(/new-checkout off: paused/);
    server.toggle('demo', 'production', 'new-checkout', true);
    await expect.poll(() => example.output(), { timeout: 10_000 }).toMatch(/off: paused\nnew-checkout on: processing jobs/);
    example.child.kill('SIGINT');
    expect(await example.exited).toBe(0);
    expect(example.output()).toMatch(/stopped after \d+ jobs/);
  });

  it('openfeature evaluates per context through the server SDK, reports a toggle, and closes on SIGINT', async () => {
    const example = run('examples/openfeature/index.ts');
    expect(await example.waitFor(/^user-123:/)).toBe('user-123: dark-mode true (TARGETING_MATCH), banner holiday-sale, max-items 25');
    expect(await example.waitFor(/^user-456:/)).toMatch(/^user-456: dark-mode false \(\w+\), banner welcome, max-items 10$/);
    await example.waitFor(/watching for changes/);
    await server.waitForStreams(1);
    server.toggle('demo', 'production', 'dark-mode', false);
    await example.waitFor(/^configuration changed: dark-mode$/);
    example.child.kill('SIGINT');
    expect(await example.exited).toBe(0);
    expect(example.output()).toMatch(/^closed$/m);
  });

  it('express serves per-request flags and a health route, and shuts down on SIGTERM', async () => {
    const example = run('examples/express/server.ts', { PORT: '0' });
    const line = await example.waitFor(/^listening on /);
    const base = line.replace('listening on ', '').trim();
    const pro = (await (await fetch(`${base}/?user=user-9&plan=pro`)).json()) as Record<string, unknown>;
    expect(pro).toEqual({ darkMode: true, banner: 'welcome', maxItems: 25 });
    const free = (await (await fetch(`${base}/?user=user-9&plan=free`)).json()) as Record<string, unknown>;
    expect(free.darkMode).toBe(false);
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'healthy', flags: { state: 'ready', source: 'network' } });
    example.child.kill('SIGTERM');
    expect(await example.exited).toBe(0);
  });
});
