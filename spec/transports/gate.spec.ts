import { firstValueFrom, lastValueFrom, type Observable } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { CircuitOpenError, ClosedError, RateLimitError, ServerError, TimeoutError } from '../../lib/errors.js';
import { gated } from '../../lib/transports/gate.js';
import { httpJson } from '../../lib/net/http.js';
import { sse } from '../../lib/net/sse.js';
import { FakeGate } from './fake-gate.js';
import { eventStream, realRuntime, startLoopback, type Loopback } from '../net/loopback.js';

let server: Loopback;
let gate: FakeGate;
afterEach(() => server.stop());

async function setup(): Promise<void> {
  gate = new FakeGate();
  server = await startLoopback({
    '/ok': (_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}'),
    '/missing': (_req, res) => res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no'),
    '/fail': (_req, res) => res.writeHead(500).end(),
    '/limited': (_req, res) => res.writeHead(429, { 'Retry-After': '3' }).end(),
    '/hang': () => {},
    '/stream': eventStream(': hi\n\n'),
  });
}

const outcome = <T>(source: Observable<T>): Promise<T | Error> => lastValueFrom(source).catch((error: Error) => error);
const runtime = (timeoutMs = 5_000) => realRuntime({ timeoutMs });
// The client runs every session request through `gated` (see gateSession); here it wraps the two
// network primitives directly, over real sockets.
const get = (path: string, timeoutMs?: number) => gated(gate, httpJson(runtime(timeoutMs), { url: `${server.url}${path}`, passStatuses: [404] }));
const stream = (path: string) => gated(gate, sse(runtime(), { url: `${server.url}${path}`, watchdogMs: 0 }));

describe('gated(httpJson): the request gate over real requests', () => {
  it('sends nothing when the gate refuses, and fails with its error', async () => {
    await setup();
    gate.refusal = new CircuitOpenError(1_000);
    expect(await outcome(get('/ok'))).toBe(gate.refusal);
    expect(server.requests).toHaveLength(0);
    expect(gate.outcomes).toEqual([]);
  });

  it('records a 2xx and a passed-through status as successes, failures with their typed error', async () => {
    await setup();
    await outcome(get('/ok'));
    await outcome(get('/missing'));
    await outcome(get('/fail'));
    await outcome(get('/limited'));
    expect(gate.admitted).toBe(4);
    expect(gate.outcomes.slice(0, 2)).toEqual([undefined, undefined]);
    expect(gate.outcomes[2]).toBeInstanceOf(ServerError);
    expect(gate.outcomes[3]).toBeInstanceOf(RateLimitError);
    expect((gate.outcomes[3] as RateLimitError).retryAfterMs).toBe(3_000);
  });

  it('records a timeout', async () => {
    await setup();
    expect(await outcome(get('/hang', 50))).toBeInstanceOf(TimeoutError);
    expect(gate.outcomes).toHaveLength(1);
    expect(gate.outcomes[0]).toBeInstanceOf(TimeoutError);
  });

  it('records nothing when the caller unsubscribes, and aborts the request', async () => {
    await setup();
    const closed = server.closed('/hang');
    const subscription = get('/hang').subscribe({ error: () => {} });
    await waitForRequest('/hang');
    subscription.unsubscribe();
    await closed;
    expect(gate.outcomes).toEqual([]);
  });

  it('aborts the request in flight with ClosedError when the gate signal fires, and records nothing', async () => {
    await setup();
    const closed = server.closed('/hang');
    const result = outcome(get('/hang'));
    await waitForRequest('/hang');
    gate.close();
    expect(await result).toBeInstanceOf(ClosedError);
    await closed;
    expect(gate.outcomes).toEqual([]);
    expect(await outcome(get('/ok'))).toBeInstanceOf(ClosedError);
    expect(server.requests).toHaveLength(1);
  });
});

describe('gated(sse): the request gate over a real stream', () => {
  it('sends nothing when the gate refuses', async () => {
    await setup();
    gate.refusal = new RateLimitError(2_000);
    expect(await outcome(stream('/stream'))).toBe(gate.refusal);
    expect(server.requests).toHaveLength(0);
  });

  it('records the stream opening as a success, once', async () => {
    await setup();
    await firstValueFrom(stream('/stream'));
    expect(gate.outcomes).toEqual([undefined]);
  });

  it('records a refused stream with its typed error', async () => {
    await setup();
    expect(await outcome(stream('/limited'))).toBeInstanceOf(RateLimitError);
    expect(gate.outcomes).toHaveLength(1);
    expect((gate.outcomes[0] as RateLimitError).retryAfterMs).toBe(3_000);
  });

  it('closes an open stream with ClosedError when the gate signal fires', async () => {
    await setup();
    const closed = server.closed('/stream');
    const signals: string[] = [];
    const result = new Promise<Error>((resolve) =>
      stream('/stream').subscribe({ next: (signal) => signals.push(signal.type), error: resolve }),
    );
    await waitForRequest('/stream');
    await until(() => signals.length > 0);
    gate.close();
    expect(await result).toBeInstanceOf(ClosedError);
    await closed;
    expect(gate.outcomes).toEqual([undefined]);
  });
});

/** Resolves once the server has seen a request to `path`. */
function waitForRequest(path: string): Promise<void> {
  return until(() => server.requests.some((request) => request.path === path));
}

/** Polls `condition` on every macrotask turn (no fixed sleeps), for at most 5 s. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
