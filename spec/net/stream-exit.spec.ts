import { afterEach, describe, expect, it } from 'vitest';
import { spawnTs, type Spawned } from '../support/spawn.js';
import { startLoopback, type Loopback } from './loopback.js';

const base = '/api/v1/projects/demo/environments/production';
let server: Loopback | undefined;
let child: Spawned | undefined;
afterEach(async () => {
  if (child && child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
  await child?.exited;
  await server?.stop();
  child = server = undefined;
});

describe('closing a client leaves nothing that keeps Node alive', () => {
  it('exits promptly after close, although the server asked for a one-day reconnect delay (retry:)', async () => {
    server = await startLoopback({
      [`${base}/evaluate`]: (_req, res) =>
        res
          .writeHead(200, { 'Content-Type': 'application/json' })
          .end('{"flags":[{"key":"a","enabled":true,"value":null,"value_key":"true","reason":"default","type":"bool"}],"evaluated_at":"2026-01-01T00:00:00Z"}'),
      [`${base}/flags/stream`]: (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.end('retry: 86400000\n\n: bye\n\n');
      },
    });
    child = spawnTs(['spec/net/fixtures/stream-then-close.ts'], { FLAGSTREAM_URL: server.url });
    await child.waitFor(/^closed$/, 20_000);
    const closedAt = Date.now();
    const exit = await Promise.race([child.exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 5_000))]);
    expect(exit, child.output()).toBe(0);
    expect(Date.now() - closedAt).toBeLessThan(5_000);
  }, 30_000);
});
