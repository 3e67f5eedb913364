import type { Observable } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { ClosedError, ConfigError, ServerError, type ClientEvent, type FlagClient } from '../../lib/index.js';
import { createMockClient, testSource, type TestSource } from '../../lib/testing/index.js';
import { clientOn, virtualTime } from '../support/virtual.js';

/** A client under the contract, and how to make its circuit open. */
interface Subject {
  client: FlagClient;
  openCircuit(): Promise<void>;
}

/** The real client on a synchronous test source; one failed request opens its circuit. */
function real(): Subject {
  const source: TestSource = testSource({ a: 1 });
  const client = clientOn(source, virtualTime(), { circuitBreaker: { failureThreshold: 1 } });
  return {
    client,
    openCircuit: async () => {
      source.fail(new ServerError(503));
      await client.refresh().catch(() => undefined);
      source.recover();
    },
  };
}

/** The mock client; the test opens its circuit through `setStatus`. */
function mock(): Subject {
  const client = createMockClient({ flags: { a: 1 } });
  return { client, openCircuit: async () => client.setStatus({ circuit: 'open' }) };
}

/** The observable contract the mock client shares with the real one. */
describe.each([
  ['the real client', real],
  ['the mock client', mock],
])('%s', (_name, make) => {
  let subject: Subject | undefined;

  afterEach(() => {
    subject?.client.close();
    subject = undefined;
  });

  it('close() ends every open stream; later subscriptions complete at once', async () => {
    subject = make();
    const { client } = subject;
    let ended = 0;
    const end = { complete: () => (ended += 1) };
    const streams: Array<Observable<unknown>> = [client.events$, client.changes$, client.status$, client.flag$('a'), client.bool$('a')];
    for (const stream of streams) stream.subscribe(end);
    client.close();
    expect(ended).toBe(5);
    for (const stream of streams) stream.subscribe(end);
    expect(ended).toBe(10);
    expect(client.number('a', 0)).toBe(1);
    await expect(client.refresh()).rejects.toBeInstanceOf(ClosedError);
  });

  it('ready() on a client closed before it was used resolves ok:false with a ClosedError', async () => {
    subject = make();
    subject.client.close();
    expect(await subject.client.ready()).toMatchObject({ ok: false, error: expect.any(ClosedError) });
  });

  it('refresh() reports a refreshed event', async () => {
    subject = make();
    const { client } = subject;
    await client.ready();
    const events: ClientEvent[] = [];
    client.events$.subscribe((event) => events.push(event));
    await client.refresh();
    expect(events.map((e) => e.type)).toEqual(['refreshed']);
    expect(events[0]).toMatchObject({ changed: 0 });
  });

  it('a circuit that opens and is reset emits circuit-open and circuit-closed, and goes stale', async () => {
    subject = make();
    const { client } = subject;
    await client.ready();
    const circuit: string[] = [];
    client.events$.subscribe((event) => event.type.startsWith('circuit-') && circuit.push(event.type));
    await subject.openCircuit();
    expect(client.status).toMatchObject({ state: 'stale', circuit: 'open' });
    client.resetCircuit();
    expect(client.status.circuit).toBe('closed');
    expect(circuit).toEqual(['circuit-open', 'circuit-closed']);
  });

  it('copies a context by one rule: a toJSON() value as what it returns, dates copied, a Map a ConfigError naming its path', async () => {
    subject = make();
    const { client } = subject;
    await client.ready();
    const when = new Date(0);
    const tags = ['a'];
    const stamp = new (class Stamp {
      toJSON = () => '2024';
    })();
    await client.identify({ userId: 'u1', attributes: { stamp, when, tags } });
    tags.push('b');
    when.setTime(1);
    expect(client.context).toEqual({ userId: 'u1', attributes: { stamp: '2024', when: new Date(0), tags: ['a'] } });
    const map = { userId: 'u2', attributes: { tags: new Map() } };
    const error = new ConfigError('context.attributes.tags', 'must be JSON data, a Date, or have toJSON()');
    expect(() => client.identify(map)).toThrow(error);
    expect(() => client.evaluateFor('a', map)).toThrow(error);
    expect(() => client.snapshotFor(map)).toThrow(error);
    expect(client.context).toMatchObject({ userId: 'u1' });
  });
});
