import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidResponseError, TimeoutError, type ClientEvent, type FlagClient } from '../../lib/index.js';
import { spawnTs, type Spawned } from '../support/spawn.js';
import { chaosClient, handleLeakCheck, until } from './support/chaos.js';
import { ScriptedCuttlegate, cutBody, raw, streamThen, type Step } from './support/scripted-cuttlegate.js';

/**
 * A server that misbehaves on the wire. In every case the client keeps its last good values,
 * reports what went wrong, and recovers on its own once the server behaves.
 */
describe('chaos: a hostile server', () => {
  let server: ScriptedCuttlegate;
  let client: FlagClient | undefined;
  let leaks: ReturnType<typeof handleLeakCheck>;
  let events: ClientEvent[];
  let seen: boolean[];

  beforeEach(async () => {
    leaks = handleLeakCheck();
    server = await new ScriptedCuttlegate({ 'dark-mode': { value_key: 'true' }, banner: { type: 'string', value_key: 'hello' } }).start();
    events = [];
    seen = [];
  });

  afterEach(async () => {
    client?.close();
    client = undefined;
    await server.stop();
    await leaks.expectNoneLeft();
  });

  /** A ready streaming client whose `dark-mode` values and events are recorded. */
  async function readyClient(overrides: Parameters<typeof chaosClient>[1] = {}): Promise<FlagClient> {
    client = chaosClient(server, overrides);
    client.events$.subscribe((event) => events.push(event));
    client.bool$('dark-mode', false).subscribe((value) => seen.push(value));
    expect(await client.ready()).toMatchObject({ ok: true, source: 'network' });
    await until(() => server.streams.size === 1, 'the stream');
    return client;
  }

  /** What `bool$` emitted from the first loaded value on (whether a default came first is not at issue here). */
  const afterFirstLoad = (values: boolean[]): boolean[] => values.slice(values.indexOf(true));

  const truncated = cutBody(25);
  const html = raw('<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>', 'text/html');
  const notJson = raw('{"flags":[{"key":"dark-mode","enabled":tr');
  const wrongShape = raw('{"flags":"all of them"}');

  it.each<[string, Step]>([
    ['a truncated JSON body (connection cut mid-body)', truncated],
    ['a 200 with an HTML body', html],
    ['a body that is not JSON', notJson],
    ['a body of the wrong shape', wrongShape],
  ])('%s: last good values stay, an error is reported, the next good answer lands', async (_, bad) => {
    const c = await readyClient();
    // What the client serves when it reports the error (read then, not after a poll: the retry may land first).
    const servedAtError: boolean[] = [];
    c.events$.subscribe((event) => event.type === 'error' && servedAtError.push(c.bool('dark-mode')));
    server.script.bulk.push(bad);
    server.set('dark-mode', { value_key: 'false' });
    await until(() => servedAtError.length > 0, 'an error event');
    expect(servedAtError[0]).toBe(true);
    await until(() => c.bool('dark-mode') === false, 'the retry to land the new value');
    expect(afterFirstLoad(seen)).toEqual([true, false]);
  });

  it('wrong field types in one entry: that flag keeps its last good value, the rest of the payload applies', async () => {
    const c = await readyClient();
    server.script.bulk.push(
      raw(
        JSON.stringify({
          flags: [
            { key: 'dark-mode', enabled: 'yes', value: null, value_key: 7, reason: 'default', type: 'bool' },
            { key: 'banner', enabled: true, value: 'changed', value_key: 'changed', reason: 'default', type: 'string' },
          ],
        }),
      ),
    );
    server.set('banner', { value_key: 'changed' });
    await until(() => c.string('banner', '') === 'changed', 'the valid entry to apply');
    expect(c.bool('dark-mode')).toBe(true);
    expect(events.some((e) => e.type === 'error' && e.error instanceof InvalidResponseError)).toBe(true);
  });

  it('`__proto__` and `constructor` keys are plain flags and pollute nothing', async () => {
    server.script.bulk.push(
      raw(
        '{"__proto__":{"polluted":true},"flags":[' +
          '{"key":"__proto__","enabled":true,"value":null,"value_key":"true","reason":"default","type":"bool"},' +
          '{"key":"constructor","enabled":true,"value":"x","value_key":"x","reason":"default","type":"string"},' +
          '{"key":"dark-mode","enabled":true,"value":null,"value_key":"true","reason":"default","type":"bool","__proto__":{"admin":true}}]}',
      ),
    );
    const c = await readyClient();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(c.bool('__proto__')).toBe(true);
    expect(c.string('constructor', '')).toBe('x');
    expect(c.evaluate('toString')).toMatchObject({ reason: 'not_found', errorCode: 'FLAG_NOT_FOUND' });
    expect(c.bool('hasOwnProperty', false)).toBe(false);
  });

  it('a stream dropped mid-frame: the half frame is dropped, the client reconnects and refetches', async () => {
    server.script.stream.push(streamThen('data: {"type":"flag.state_changed","project":"demo","flag_k', 'destroy'));
    const c = await readyClient();
    await until(() => server.count('stream') >= 2 && server.streams.size === 1, 'the reconnect');
    const reconnectedAt = server.arrivals.filter((a) => a.kind === 'stream')[1]!.at;
    await until(() => server.count('bulk', reconnectedAt) > 0, 'the refetch after the reconnect');
    expect(afterFirstLoad(seen)).toEqual([true]);
    server.set('dark-mode', { value_key: 'false' });
    await until(() => c.bool('dark-mode') === false, 'a change on the new stream');
  });

  it('a stream that sends headers and then nothing: the watchdog fires and the client reconnects', async () => {
    server.script.stream.push(streamThen('', 'hold'));
    const started = performance.now();
    await readyClient({ transport: server.transport({ watchdogMs: 300 }) });
    await until(() => server.count('stream') >= 2, 'a second stream after the watchdog', 5_000);
    const disconnect = events.find((e) => e.type === 'stream-disconnected');
    expect(disconnect && 'error' in disconnect ? disconnect.error : undefined).toBeInstanceOf(TimeoutError);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(client!.bool('dark-mode')).toBe(true);
  });

  describe('`retry: 86400000` from the server, then a close', () => {
    let child: Spawned | undefined;
    afterEach(async () => {
      if (child && child.child.exitCode === null && child.child.signalCode === null) {
        process.kill(child.child.pid!, 'SIGKILL');
        await child.exited;
      }
      child = undefined;
    });

    it('a process running a client exits promptly after close()', async () => {
      server.always.stream = streamThen('retry: 86400000\n\n', 'end');
      child = spawnTs(['spec/chaos/support/client-process.ts'], { CHAOS_URL: server.url, CHAOS_KEY: server.apiKey });
      await child.waitFor(/^closed$/, 15_000);
      const closedAt = performance.now();
      const exit = await Promise.race([child.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 3_000))]);
      expect(exit).toBe(0);
      console.log(`chaos: process exit after close() with retry: 86400000: ${Math.round(performance.now() - closedAt)} ms`);
    }, 25_000);
  });
});
