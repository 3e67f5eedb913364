import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFlagClient, type FlagClient } from '../../lib/index.js';
import { silent } from '../support/virtual.js';
import { handleLeakCheck, until } from './support/chaos.js';
import { ScriptedCuttlegate, type Arrival } from './support/scripted-cuttlegate.js';

const CLIENTS = 200;
const OUTAGE_MS = 3_000;
const WINDOW_MS = 100;

/** The most arrivals any `WINDOW_MS` window holds (windows start at each arrival). */
function busiestWindow(arrivals: readonly Arrival[]): number {
  const times = arrivals.map((a) => a.at).sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[j]! < times[i]! - WINDOW_MS + 1e-9) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

/**
 * Every client loses the server at once and it comes back: with the default retry policy (full
 * jitter) the reconnects and the requests that follow them are spread out, not a thundering herd.
 */
describe('chaos: a reconnect storm', () => {
  let server: ScriptedCuttlegate;
  let clients: FlagClient[] = [];
  let leaks: ReturnType<typeof handleLeakCheck>;

  beforeEach(async () => {
    leaks = handleLeakCheck();
    server = await new ScriptedCuttlegate().start();
  });

  afterEach(async () => {
    for (const client of clients) client.close();
    clients = [];
    await server.stop();
    await leaks.expectNoneLeft();
  });

  it(`${CLIENTS} clients lose the server at once; when it returns no ${WINDOW_MS} ms window holds more than 10 % of the reconnects or requests`, async () => {
    for (let i = 0; i < CLIENTS; i++) {
      clients.push(
        createFlagClient({
          transport: server.transport(),
          context: { userId: `user-${i}` },
          streaming: true,
          pollIntervalMs: 0,
          logger: silent,
        }),
      );
    }
    for (const client of clients) void client.ready();
    await until(() => server.streams.size === CLIENTS && clients.every((c) => c.status.source === 'network'), 'every client live', 30_000);

    await server.stop();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    server.set('dark-mode', { value_key: 'false' });
    const breakersOpen = clients.filter((c) => c.status.circuit !== 'closed').length;
    await server.start();
    const upAt = performance.now();
    for (const client of clients) void client.ready();
    await until(() => clients.every((c) => c.bool('dark-mode') === false), 'every client fresh', 60_000);
    const freshMs = Math.round(performance.now() - upAt);
    await until(() => server.streams.size === CLIENTS, 'every stream back', 60_000);
    const recoveredMs = Math.round(performance.now() - upAt);

    const after = server.arrivals.filter((a) => a.at >= upAt);
    const reconnects = after.filter((a) => a.kind === 'stream');
    const reconnectPeak = busiestWindow(reconnects);
    const requestPeak = busiestWindow(after);
    console.log(
      `chaos: reconnect storm, ${CLIENTS} clients after a ${OUTAGE_MS} ms outage (${breakersOpen} breakers not closed when it returned): all fresh in ${freshMs} ms, every stream back in ${recoveredMs} ms; ` +
        `busiest ${WINDOW_MS} ms window: ${reconnectPeak}/${reconnects.length} reconnects (${((100 * reconnectPeak) / reconnects.length).toFixed(1)} %), ` +
        `${requestPeak}/${after.length} requests (${((100 * requestPeak) / after.length).toFixed(1)} %)`,
    );
    expect(reconnects.length).toBeGreaterThanOrEqual(CLIENTS);
    expect(reconnectPeak).toBeLessThanOrEqual(reconnects.length * 0.1);
    expect(requestPeak).toBeLessThanOrEqual(after.length * 0.1);
  }, 120_000);
});
