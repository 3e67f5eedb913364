import { Observable, Subject, VirtualTimeScheduler, defer, of, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { CircuitOpenError, ClosedError, ConfigError, ServerError } from '../../../lib/errors.js';
import { gated } from '../../../lib/transports/gate.js';
import type { SenderRuntime } from '../../../lib/client/features/periodic-sender.js';
import { trackedEvent } from '../../../lib/client/features/tracked-event.js';
import { EvaluationCounter, EventQueue, defaultTracking } from '../../../lib/client/features/tracking.js';
import type { TelemetryReport, TrackedEvent } from '../../../lib/types.js';

const event = (name: string): TrackedEvent => ({ flagKey: 'f', eventName: name, userId: 'u', timestamp: '2026-01-01T00:00:00.000Z' });

function runtime() {
  const scheduler = new VirtualTimeScheduler(undefined, Number.POSITIVE_INFINITY);
  const warnings: string[] = [];
  const senders: SenderRuntime = { scheduler, logger: { warn: (m) => warnings.push(m), error: (m) => warnings.push(m) } };
  return { scheduler, warnings, senders };
}

/** Lets queued promise callbacks run. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
};

describe('EventQueue (virtual time)', () => {
  it('abort() settles a flush whose send is in flight: it rejects with ClosedError (no promise left pending)', async () => {
    const { senders } = runtime();
    const queue = new EventQueue(() => new Subject<void>(), defaultTracking, senders, () => undefined);
    queue.add(event('a'));
    const flushed = queue.flush().then(() => 'sent', (error: Error) => error.name);
    await settle();
    queue.abort();
    expect(await flushed).toBe('ClosedError');
  });

  it('sends a partial batch flushIntervalMs after its first event, and arms no timer when empty', async () => {
    const { scheduler, senders } = runtime();
    const sent: string[][] = [];
    const queue = new EventQueue((events) => of(void sent.push(events.map((e) => e.eventName))), { ...defaultTracking, flushIntervalMs: 1_000 }, senders, () => undefined);
    expect(scheduler.actions).toHaveLength(0);
    queue.add(event('a'));
    scheduler.schedule(() => queue.add(event('b')), 500);
    scheduler.flush();
    await settle();
    expect(sent).toEqual([['a', 'b']]);
    expect(scheduler.now()).toBe(1_000);
    expect(scheduler.actions).toHaveLength(0);
  });

  it('keeps a failed batch in front, in order, and retries on the next interval', async () => {
    const { scheduler, senders, warnings } = runtime();
    const sent: string[][] = [];
    let fail = true;
    const sink = (events: TrackedEvent[]): Observable<void> => {
      if (fail) {
        fail = false;
        return throwError(() => new ServerError(503));
      }
      sent.push(events.map((e) => e.eventName));
      return of(undefined);
    };
    const queue = new EventQueue(sink, { ...defaultTracking, flushIntervalMs: 1_000 }, senders, () => undefined);
    queue.add(event('a'));
    await expect(queue.flush()).rejects.toBeInstanceOf(ServerError);
    queue.add(event('b'));
    expect(queue.size).toBe(2);
    scheduler.flush();
    await settle();
    expect(sent).toEqual([['a', 'b']]);
    expect(warnings).toHaveLength(0);
  });

  it('drops the oldest events past maxQueue and reports each drop', () => {
    const { senders } = runtime();
    const dropped: number[] = [];
    const queue = new EventQueue(() => new Subject<void>(), { ...defaultTracking, maxQueue: 2 }, senders, (n) => dropped.push(n));
    for (const name of ['a', 'b', 'c', 'd']) queue.add(event(name));
    expect(queue.size).toBe(2);
    expect(dropped).toEqual([1, 1]);
  });

  it('keeps the events when the gate refuses the post (open circuit)', async () => {
    let blocked: Error | undefined = new CircuitOpenError(1_000);
    const { senders } = runtime();
    let posts = 0;
    const gate = { admit: () => blocked, record: () => undefined, signal: new AbortController().signal };
    const queue = new EventQueue(() => gated(gate, defer(() => of(void (posts += 1)))), defaultTracking, senders, () => undefined);
    queue.add(event('a'));
    await expect(queue.flush()).rejects.toBeInstanceOf(CircuitOpenError);
    expect(posts).toBe(0);
    blocked = undefined;
    await queue.flush();
    expect(posts).toBe(1);
    expect(queue.size).toBe(0);
  });

  it('a background send that abort() cancels logs no warning (closing is no failure)', async () => {
    const { scheduler, senders, warnings } = runtime();
    const queue = new EventQueue(() => new Subject<void>(), { ...defaultTracking, flushIntervalMs: 1_000 }, senders, () => undefined);
    queue.add(event('a'));
    scheduler.flush(); // the interval's background send goes out and hangs
    await settle();
    queue.abort();
    await settle();
    expect(warnings).toEqual([]);
  });

  it('abort() cancels a post in flight and arms no timer afterwards', async () => {
    const { scheduler, senders } = runtime();
    let unsubscribed = false;
    const hanging = new Observable<void>(() => () => {
      unsubscribed = true;
    });
    const queue = new EventQueue(() => hanging, defaultTracking, senders, () => undefined);
    queue.add(event('a'));
    const flushed = queue.flush();
    await settle();
    queue.abort();
    expect(unsubscribed).toBe(true);
    await expect(flushed).rejects.toBeInstanceOf(ClosedError);
    queue.add(event('late'));
    expect(scheduler.actions).toHaveLength(0);
  });
});

describe('EvaluationCounter (virtual time)', () => {
  it('reports integer counts per key with the period since the last good report', async () => {
    const { scheduler, senders } = runtime();
    const reports: TelemetryReport[] = [];
    let fail = false;
    const counter = new EvaluationCounter(
      (report) => (fail ? throwError(() => new ServerError(500)) : of(void reports.push(report))),
      { ...defaultTracking, telemetryIntervalMs: 60_000 },
      senders,
    );
    expect(scheduler.actions).toHaveLength(0);
    counter.record('a', true);
    counter.record('a', false);
    counter.record('b', true);
    scheduler.flush();
    await settle();
    expect(reports).toEqual([{ evaluations: { a: { total: 2, true: 1, false: 1 }, b: { total: 1, true: 1, false: 0 } }, periodMs: 60_000 }]);

    // The next interval's post fails (at 120 s): its counts are merged back and re-sent later.
    fail = true;
    counter.record('a', true);
    scheduler.flush();
    await settle();
    expect(scheduler.now()).toBe(120_000);
    expect(reports).toHaveLength(1);
    fail = false;
    counter.record('a', true);
    await counter.flush();
    expect(reports[1]).toEqual({ evaluations: { a: { total: 2, true: 2, false: 0 } }, periodMs: 60_000 });
  });

  it('after abort() (client closed) a record arms no timer and nothing is ever sent', async () => {
    const { scheduler, senders } = runtime();
    let posts = 0;
    const counter = new EvaluationCounter(() => of(void (posts += 1)), defaultTracking, senders);
    counter.abort();
    counter.record('a', true);
    expect(scheduler.actions).toHaveLength(0);
    scheduler.flush();
    await settle();
    expect(posts).toBe(0);
  });

  it('keeps a __proto__ flag key as a plain key', async () => {
    const { senders } = runtime();
    const reports: TelemetryReport[] = [];
    const counter = new EvaluationCounter((report) => of(void reports.push(report)), defaultTracking, senders);
    counter.record('__proto__', true);
    await counter.flush();
    expect(JSON.stringify(reports[0]!.evaluations)).toBe('{"__proto__":{"total":1,"true":1,"false":0}}');
  });
});

describe('trackedEvent', () => {
  it('fills in the user and time, deep-copies metadata, and names bad fields', () => {
    const metadata = { currency: 'EUR', nested: { a: 1 } };
    const tracked = trackedEvent({ flagKey: 'f', eventName: 'buy', metadata }, 'ctx-user', 'T');
    metadata.nested.a = 2;
    expect(tracked).toEqual({ flagKey: 'f', eventName: 'buy', userId: 'ctx-user', timestamp: 'T', metadata: { currency: 'EUR', nested: { a: 1 } } });
    expect(() => trackedEvent({ flagKey: 'f', eventName: 'x' }, undefined, 'T')).toThrow(new ConfigError('event.userId', 'is required (a non-empty string)'));
    expect(() => trackedEvent({ flagKey: 'f', eventName: 'x', value: Infinity }, 'u', 'T')).toThrow(/event\.value/);
    expect(() => trackedEvent({ flagKey: 'f', eventName: 'x', metadata: [] as never }, 'u', 'T')).toThrow(/event\.metadata/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => trackedEvent({ flagKey: 'f', eventName: 'x', metadata: cyclic as never }, 'u', 'T')).toThrow(/JSON-serializable/);
  });
});
