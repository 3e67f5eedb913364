import { Observable, Subject, VirtualTimeScheduler, defer, distinctUntilChanged, map, of, throwError, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  RequestError,
  ServerError,
  type ClientEvent,
  type EvalResult,
  type FlagClient,
  type FlagClientOptions,
  type StreamMessage,
  type TelemetryReport,
  type Transport,
} from '../../../lib/index.js';
import { batchedTracking } from '../../../lib/client/features/client-tracking.js';
import { testSource } from '../../../lib/testing/index.js';
import { clientOn } from '../../support/virtual.js';
// Loaded up front, so the client's dynamic import of the store sync resolves within one real tick.
import '../../../lib/client/features/persistence.js';

/**
 * A scripted server for engine specs: flags with an on/off state, loads answered after `latencyMs`
 * on the client's scheduler, a stream the spec pushes messages into (or that fails every connect
 * with `streamError`), and a telemetry sink.
 */
class ScriptedServer {
  readonly enabled = new Map<string, boolean>();
  readonly loads: number[] = [];
  readonly streamConnects: number[] = [];
  readonly telemetry: TelemetryReport[] = [];
  readonly messages = new Subject<StreamMessage>();
  latencyMs = 0;
  streamError: Error | undefined;
  now = (): number => 0;

  transport(): Transport {
    return {
      kind: 'test',
      tracking: batchedTracking,
      connect: (runtime) => {
        this.now = () => runtime.scheduler.now();
        const results = (): EvalResult[] =>
          [...this.enabled].map(([key, on]) => ({
            key,
            enabled: on,
            variant: String(on),
            value: on,
            reason: 'TEST',
            evaluatedAt: '',
            source: 'network' as const,
          }));
        return {
          load: () =>
            defer(() => {
              this.loads.push(this.now());
              return timer(this.latencyMs, runtime.scheduler).pipe(map(() => ({ kind: 'flags' as const, flags: results() })));
            }),
          evaluate: () => throwError(() => new RequestError(400)),
          stream: () =>
            defer(() => {
              this.streamConnects.push(this.now());
              if (this.streamError) return throwError(() => this.streamError);
              return new Observable<StreamMessage>((subscriber) => {
                subscriber.next({ type: 'connected' });
                return this.messages.subscribe(subscriber);
              });
            }),
          telemetry: (report) =>
            defer(() => {
              this.telemetry.push(report);
              return of(undefined);
            }),
        };
      },
    };
  }
}

function virtual(server: ScriptedServer, until: number, overrides: Partial<FlagClientOptions> = {}) {
  const scheduler = new VirtualTimeScheduler(undefined, until);
  const warnings: string[] = [];
  const client: FlagClient = clientOn(server.transport() as never, scheduler as never, {
    logger: { warn: (m) => warnings.push(m), error: (m) => warnings.push(m) },
    ...overrides,
  });
  const events: string[] = [];
  client.events$.subscribe((event: ClientEvent) => events.push(`${scheduler.now()}:${event.type}`));
  return { scheduler, client, warnings, events };
}

describe('the load engine: no change is lost (virtual time)', () => {
  it('re-checks every event of a coalesced batch whose refetch did not show it yet (publish before commit)', () => {
    const server = new ScriptedServer();
    server.enabled.set('a', false).set('b', false);
    server.latencyMs = 50;
    const { scheduler, client } = virtual(server, 5_000, { streaming: true });
    client.flag$('a').subscribe();
    // at 1 s a refresh is in flight when both events arrive: they share one trailing load, which
    // still sees the old state (the server commits at 1.2 s)
    scheduler.schedule(() => void client.refresh().catch(() => undefined), 1_000);
    scheduler.schedule(() => server.messages.next({ type: 'changed', key: 'a', enabled: true }), 1_010);
    scheduler.schedule(() => server.messages.next({ type: 'changed', key: 'b', enabled: true }), 1_020);
    scheduler.schedule(() => server.enabled.set('a', true).set('b', true), 1_200);
    scheduler.flush();
    expect({ a: client.bool('a'), b: client.bool('b') }).toEqual({ a: true, b: true });
    // initial, refresh, the batch of both events, then one re-check for both (250 ms later)
    expect(server.loads.filter((t) => t >= 1_000)).toEqual([1_000, 1_050, 1_350]);
    client.close();
  });

  it('a retry serving a reconnect and a refresh asked during its backoff loads as a reconnect (a batch takes its strongest trigger)', () => {
    const source = testSource({ a: 1 });
    const scheduler = new VirtualTimeScheduler(undefined, 30_000);
    const client = clientOn(source, scheduler as never, { streaming: true });
    void client.ready();
    // The reconnect's refetch fails; the refresh asked right then joins its retry.
    client.events$.subscribe((event) => {
      if (event.type === 'error' && event.error instanceof ServerError) void client.refresh().catch(() => undefined);
    });
    scheduler.schedule(() => {
      source.fail(new ServerError(503), 1);
      source.disconnect();
    }, 1_000);
    scheduler.flush();
    const loads = source.requests.filter((r) => r.type === 'load' && r.at >= 1_000);
    expect(loads.map((r) => (r.type === 'load' ? r.trigger : r.type))).toEqual(['reconnect', 'reconnect']);
    expect(client.status).toMatchObject({ state: 'ready', streaming: true });
    client.close();
  });

  it('the half-open probe after an outage that began at a reconnect loads as a reconnect, not as the refresh asked next to it', () => {
    const source = testSource({ a: 1 });
    const scheduler = new VirtualTimeScheduler(undefined, 60_000);
    const client = clientOn(source, scheduler as never, { streaming: true, circuitBreaker: { failureThreshold: 2, openMs: 10_000, halfOpenSuccesses: 1 } });
    void client.ready();
    scheduler.schedule(() => {
      source.fail(new ServerError(503));
      source.disconnect();
    }, 1_000);
    scheduler.schedule(() => source.recover(), 5_000);
    scheduler.flush();
    // The stream is back at 2 s; its refetch fails at 2 s and 3 s and opens the circuit; at 13 s it
    // goes half-open and asks for a refresh, which joins the held-back retry of the reconnect's load.
    const loads = source.requests.filter((r) => r.type === 'load' && r.at >= 1_000);
    expect(loads.map((r) => `${r.at}:${r.type === 'load' ? r.trigger : r.type}`)).toEqual(['2000:reconnect', '3000:reconnect', '13000:reconnect']);
    expect(client.status).toMatchObject({ state: 'ready', streaming: true, circuit: 'closed' });
    client.close();
  });

  it('a first load refused for good (400) settles ready() at once with ok:false and the typed error', async () => {
    const source = testSource({ a: 1 });
    source.fail(new RequestError(400), 1);
    const scheduler = new VirtualTimeScheduler(undefined, 60_000);
    const client = clientOn(source, scheduler as never, { timeoutMs: 10_000 });
    let settledAt = -1;
    const ready = client.ready().then((result) => {
      settledAt = scheduler.now();
      return result;
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(settledAt).toBe(0);
    expect(await ready).toMatchObject({ ok: false, source: 'none', error: { name: 'RequestError', statusCode: 400 } });
    scheduler.flush();
    client.close();
  });

  it('snapshotFor() serves its cache for snapshotForMaxAgeMs at most, then asks again', async () => {
    const source = testSource({ plan: 'free' });
    const scheduler = new VirtualTimeScheduler(undefined, 60_000);
    const client = clientOn(source, scheduler as never, { snapshotForMaxAgeMs: 5_000 });
    const ask = () => client.snapshotFor({ userId: 'bob' });
    /** Asks at virtual time `ms` and waits for the answer (the cache's chunk loads on the first call). */
    const askAt = async (ms: number): Promise<void> => {
      let asked: Promise<unknown> | undefined;
      scheduler.schedule(() => void (asked = ask()), ms - scheduler.now());
      scheduler.flush();
      await asked;
    };
    await ask();
    await askAt(4_000);
    await askAt(6_000);
    expect(source.requests.filter((r) => r.type === 'load').map((r) => r.at)).toEqual([0, 6_000]);
    client.close();
  });
});

describe('the load engine: a context starts with its identify (virtual time)', () => {
  it('with a stream, the first load of a new context follows its identify post, even when the stream is up first', () => {
    const calls: string[] = [];
    const scheduler = new VirtualTimeScheduler(undefined, 5_000);
    const transport: Transport = {
      kind: 'test',
      connect: (runtime) => ({
        load: (ctx) => defer(() => (calls.push(`${runtime.scheduler.now()}:load:${ctx.userId}`), of({ kind: 'flags' as const, flags: [] }))),
        evaluate: () => throwError(() => new RequestError(400)),
        identify: (ctx) => timer(50, runtime.scheduler).pipe(map(() => void calls.push(`${runtime.scheduler.now()}:identify:${ctx.userId}`))),
        stream: () => new Observable<StreamMessage>((subscriber) => subscriber.next({ type: 'connected' })),
      }),
    };
    const client = clientOn(transport as never, scheduler as never, { streaming: true, context: { userId: 'a' } });
    client.flag$('x').subscribe();
    scheduler.schedule(() => {
      void client.identify({ userId: 'b' });
      void client.refresh().catch(() => undefined);
    }, 1_000);
    scheduler.flush();
    // a's and b's first loads each wait for their identify (50 ms); no load for b goes out before it
    // (the refresh made during b's identify is the trailing load after it)
    expect(calls).toEqual(['50:identify:a', '50:load:a', '1050:identify:b', '1050:load:b', '1050:load:b']);
    client.close();
  });
});

describe('the load engine: streams and the circuit on their own (virtual time)', () => {
  it('a stream the server keeps refusing with 5xx falls back to polling (polling off) with one warning, and is retried rarely', () => {
    const server = new ScriptedServer();
    server.enabled.set('a', true);
    server.streamError = new ServerError(500, 'stream: streaming unsupported (HTTP 500)');
    const { scheduler, client, warnings } = virtual(server, 400_000, { streaming: true, pollIntervalMs: 0, backoff: { random: () => 0.5 } });
    client.flag$('a').subscribe();
    scheduler.flush();
    // connects at 0, 0.5 s, 1.5 s: three refusals, then one try every 150–450 s (here 300 s)
    expect(server.streamConnects).toEqual([0, 500, 1_500, 301_500]);
    expect(warnings.filter((w) => w.includes('refuses the change stream'))).toHaveLength(1);
    // polls every 30 s (± 10 %; random() = 0.5 draws exactly 30 s) after the fallback
    const polls = server.loads.filter((t) => t > 1_500);
    expect(polls.slice(0, 3)).toEqual([31_500, 61_500, 91_500]);
    client.close();
  });

  it('reports a stream that never connects: status.error and an error event per failure', () => {
    const server = new ScriptedServer();
    server.enabled.set('a', true);
    server.streamError = new ServerError(503);
    const { scheduler, client, events } = virtual(server, 800, { streaming: true });
    client.flag$('a').subscribe();
    scheduler.flush();
    expect(client.status).toMatchObject({ state: 'ready', streaming: false, error: { name: 'ServerError', statusCode: 503 } });
    expect(events.filter((e) => e.endsWith(':error'))).toEqual(['0:error']);
    client.close();
  });

  it('after identify() shows streaming: false until the new context’s stream connects, then a fresh stream-connected', () => {
    const source = testSource({ a: 1 });
    source.delay(100);
    const scheduler = new VirtualTimeScheduler(undefined, 5_000);
    const client = clientOn(source, scheduler as never, { streaming: true });
    const seen: string[] = [];
    client.events$.subscribe((e) => e.type.startsWith('stream') && seen.push(`${scheduler.now()}:${e.type}`));
    client.status$
      .pipe(
        map((s) => s.streaming),
        distinctUntilChanged(),
      )
      .subscribe((streaming) => seen.push(`${scheduler.now()}:streaming=${streaming}`));
    client.flag$('a').subscribe();
    scheduler.schedule(() => void client.identify({ userId: 'b' }), 1_000);
    scheduler.flush();
    expect(seen.filter((line) => !line.startsWith('0:streaming=false'))).toEqual([
      '0:streaming=true',
      '0:stream-connected',
      '1000:streaming=false',
      '1000:stream-disconnected',
      '1000:streaming=true',
      '1000:stream-connected',
    ]);
    client.close();
  });

  it('with polling off, a half-open circuit probes by itself until it closes', () => {
    const source = testSource({ a: 1 });
    source.fail(new ServerError(503));
    const scheduler = new VirtualTimeScheduler(undefined, 120_000);
    const client = clientOn(source, scheduler as never);
    void client.ready();
    scheduler.schedule(() => source.recover(), 20_000);
    scheduler.flush();
    // 0, 1, 3, 7, 15 s fail and open it; the retry waits for half-open at 45 s: three probes close it
    expect(source.requests.map((r) => r.at)).toEqual([0, 1_000, 3_000, 7_000, 15_000, 45_000, 45_000, 45_000]);
    expect(client.status.circuit).toBe('closed');
    client.close();
  });
});

describe('the client reports only what happened (virtual time)', () => {
  it('posts no telemetry for reads before the client ever started', () => {
    const server = new ScriptedServer();
    server.enabled.set('a', true);
    const { scheduler, client } = virtual(server, 200_000, { tracking: { telemetryIntervalMs: 60_000 } });
    for (let i = 0; i < 5; i += 1) client.bool('a');
    scheduler.flush();
    expect(server.telemetry).toEqual([]);
    expect(server.loads).toEqual([]);
    client.close();
  });

  it('counts bool() reads for telemetry once the client has started and loaded, not the defaults served before', async () => {
    const server = new ScriptedServer();
    server.enabled.set('a', true);
    const { scheduler, client } = virtual(server, 200_000, { tracking: { telemetryIntervalMs: 60_000 } });
    client.bool('a'); // not started: a default, not an evaluation
    client.flag$('a').subscribe();
    scheduler.schedule(() => [1, 2, 3].forEach(() => client.bool('a')), 5_000);
    scheduler.flush();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(server.telemetry.map((report) => report.evaluations)).toEqual([{ a: { total: 3, true: 3, false: 0 } }]);
    client.close();
  });

  it('writes the store only when the flags changed, not on every poll', async () => {
    const saved: number[] = [];
    const source = testSource({ a: 1 });
    const scheduler = new VirtualTimeScheduler(undefined, 100_000);
    const client = clientOn(source, scheduler as never, {
      pollIntervalMs: 10_000,
      store: { save: async (data) => void saved.push(Date.parse(data.savedAt)), load: async () => undefined },
    });
    // The store sync is a dynamic import: let it load before virtual time runs.
    await new Promise((resolve) => setTimeout(resolve, 0));
    void client.ready();
    scheduler.schedule(() => source.set('a', 2), 45_000);
    scheduler.flush();
    await new Promise((resolve) => setTimeout(resolve, 0));
    // saved 1 s (the debounce) after the first load and after the poll that saw the change (55 s);
    // the polls at 11–44 s and 66–99 s changed nothing and wrote nothing
    expect(saved).toEqual([1_000, 56_000]);
    client.close();
  });
});
