import { asyncScheduler, concat, lastValueFrom, of, throwError, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ClosedError, NetworkError } from '../../lib/errors.js';
import { gated } from '../../lib/transports/gate.js';
import { httpJson } from '../../lib/net/http.js';
import { sse } from '../../lib/net/sse.js';
import type { TransportRuntime } from '../../lib/transports/transport.js';
import { silent } from '../support/virtual.js';
import { FakeGate } from './fake-gate.js';

const outcome = <T>(source: Observable<T>): Promise<T | Error> => lastValueFrom(source).catch((error: Error) => error);
/** A fetch that never answers and ignores its abort signal. */
const deaf = (): Promise<Response> => new Promise<Response>(() => {});
const runtime: TransportRuntime = { fetch: deaf, timeoutMs: 60_000, scheduler: asyncScheduler, logger: silent };

describe('gated() with a fetch that ignores its abort signal (unit)', () => {
  it('still fails httpJson and sse at once with ClosedError on client close', async () => {
    const gate = new FakeGate();
    const request = outcome(gated(gate, httpJson(runtime, { url: 'http://127.0.0.1:1/x' })));
    const streamed = outcome(gated(gate, sse(runtime, { url: 'http://127.0.0.1:1/s', watchdogMs: 0 })));
    gate.close();
    expect(await request).toBeInstanceOf(ClosedError);
    expect(await streamed).toBeInstanceOf(ClosedError);
    expect(gate.outcomes).toEqual([]);
  });

  it('refuses at once when the gate is already closed, without asking admit()', async () => {
    const gate = new FakeGate();
    gate.close();
    expect(await outcome(gated(gate, httpJson(runtime, { url: 'http://127.0.0.1:1/x' })))).toBeInstanceOf(ClosedError);
    expect(gate.admitted).toBe(0);
  });
});


describe('gated(): one outcome per request (unit)', () => {
  it('records a stream that opened as a success, and not its later drop', async () => {
    const gate = new FakeGate();
    const dropped = concat(of('open'), throwError(() => new NetworkError('connection lost')));
    expect(await outcome(gated(gate, dropped))).toBeInstanceOf(NetworkError);
    expect(gate.outcomes).toEqual([undefined]);
  });

  it('records a request that failed before answering as that failure', async () => {
    const gate = new FakeGate();
    const refused = throwError(() => new NetworkError('connection refused'));
    expect(await outcome(gated(gate, refused))).toBeInstanceOf(NetworkError);
    expect(gate.outcomes).toHaveLength(1);
    expect(gate.outcomes[0]).toBeInstanceOf(NetworkError);
  });
});
