import { Observable, defer, mergeMap, of, throwError, timer, type Subscriber } from 'rxjs';
import { FlagNotFoundError, NetworkError, TimeoutError } from '../errors.js';
import type {
  LoadOptions,
  LoadResult,
  LoadTrigger,
  StreamMessage,
  Transport,
  TransportRuntime,
  TransportSession,
} from '../transports/transport.js';
import type { EvalContext, EvalResult, TrackedEvent } from '../types.js';
import { batchedTracking } from '../client/features/client-tracking.js';
import { frozenInput, toResult, type FlagInput } from './inputs.js';

/** A flag on a {@link TestSource}: a value or result for everyone, or one computed per context. */
export type SourceFlag = FlagInput | ((context: EvalContext) => FlagInput);

/** One request the source received; `at` is the client scheduler's time (virtual under a `TestScheduler`). */
export type TestRequest =
  | { type: 'load'; at: number; context: EvalContext; trigger: LoadTrigger }
  | { type: 'evaluate'; at: number; context: EvalContext; key: string }
  | { type: 'stream'; at: number; context: EvalContext }
  | { type: 'track'; at: number; events: TrackedEvent[] };

/**
 * A controllable in-memory {@link Transport} for the real `createFlagClient`. It answers on the
 * client's scheduler only (synchronously, or after `delay()` through it), never with real timers or
 * promises, so `TestScheduler.run()`/`flush()` drive it. Its stream emits `connected` synchronously
 * on subscribe and a `changed` message on every `set()`/`remove()`, so the client refetches as it
 * would from a real server. It accepts `track()` events, so the client's event batching runs too.
 */
export interface TestSource extends Transport {
  readonly kind: 'test';
  /** Sets one flag and tells open streams it changed. */
  set(key: string, value: SourceFlag): void;
  /** Sets many flags and tells open streams about each. */
  set(flags: Record<string, SourceFlag>): void;
  /** Removes a flag and tells open streams it changed. */
  remove(key: string): void;
  /**
   * Makes requests (loads, remote evaluations, event posts) fail with `error`: the next `times` of them, or
   * every one until `recover()` when `times` is omitted. A later call replaces an earlier one.
   * Open streams are not touched; use `disconnect()` for those.
   */
  fail(error: Error, times?: number): void;
  /** Ends a `fail()`: requests succeed again. */
  recover(): void;
  /** Errors every open stream with `error` (default: a `NetworkError`); the client reconnects with backoff. */
  disconnect(error?: Error): void;
  /**
   * Answers every later request after `ms` on the client's scheduler (0 = synchronously). A latency of
   * at least the client's `timeoutMs` fails the request with a `TimeoutError` at `timeoutMs`, as a
   * real transport would.
   */
  delay(ms: number): void;
  /** Loads received (failed ones included). */
  readonly loads: number;
  /** Remote evaluations (`evaluateFor`) received. */
  readonly evaluations: number;
  /** Stream connections opened, reconnections included. */
  readonly streamConnections: number;
  /** Streams open right now. */
  readonly openStreams: number;
  /** Events the client posted from `track()` and the source accepted, in order. */
  readonly tracked: readonly TrackedEvent[];
  /** Every request received, in order. */
  readonly requests: readonly TestRequest[];
}

/** Creates a {@link TestSource} holding `initial` (plain values have reason `mock`). */
export function testSource(initial: Record<string, SourceFlag> = {}): TestSource {
  return new InMemorySource(initial);
}

/** A request as it arrives, before it is stamped with the time. */
type Arrival<R = TestRequest> = R extends TestRequest ? Omit<R, 'at'> : never;

interface Failure {
  error: Error;
  remaining: number;
}

class InMemorySource implements TestSource {
  readonly kind = 'test' as const;
  readonly identity = 'test';
  readonly tracking = batchedTracking;
  readonly #flags = new Map<string, SourceFlag>();
  readonly #streams = new Set<Subscriber<StreamMessage>>();
  readonly #log: TestRequest[] = [];
  readonly #accepted: TrackedEvent[] = [];
  #failure: Failure | undefined;
  #latencyMs = 0;

  constructor(initial: Record<string, SourceFlag>) {
    this.set(initial);
  }

  get loads(): number {
    return this.#count('load');
  }

  get evaluations(): number {
    return this.#count('evaluate');
  }

  get streamConnections(): number {
    return this.#count('stream');
  }

  get openStreams(): number {
    return this.#streams.size;
  }

  get requests(): readonly TestRequest[] {
    return this.#log;
  }

  get tracked(): readonly TrackedEvent[] {
    return this.#accepted;
  }

  set(keyOrFlags: string | Record<string, SourceFlag>, value?: SourceFlag): void {
    const updates: Record<string, SourceFlag> = typeof keyOrFlags === 'string' ? { [keyOrFlags]: value! } : keyOrFlags;
    const keys = Object.keys(updates);
    for (const key of keys) this.#flags.set(key, frozenInput(updates[key]!));
    for (const key of keys) this.#broadcast({ type: 'changed', key });
  }

  remove(key: string): void {
    this.#flags.delete(key);
    this.#broadcast({ type: 'changed', key });
  }

  fail(error: Error, times?: number): void {
    if (times !== undefined && !(Number.isInteger(times) && times > 0)) {
      throw new RangeError(`fail(): times must be a positive integer, got ${times}`);
    }
    this.#failure = { error, remaining: times ?? Infinity };
  }

  recover(): void {
    this.#failure = undefined;
  }

  disconnect(error: Error = new NetworkError('test source: stream disconnected')): void {
    for (const subscriber of [...this.#streams]) {
      this.#streams.delete(subscriber);
      subscriber.error(error);
    }
  }

  delay(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`delay(): ms must be a number ≥ 0, got ${ms}`);
    this.#latencyMs = ms;
  }

  connect(runtime: TransportRuntime): TransportSession {
    const { scheduler } = runtime;
    return {
      load: (context: EvalContext, options: LoadOptions): Observable<LoadResult> =>
        this.#respond(runtime, { type: 'load', context, trigger: options.trigger }, (at): LoadResult => ({
          kind: 'flags',
          flags: [...this.#flags].map(([key, flag]) => served(key, flag, context, at)),
        })),
      evaluate: (key: string, context: EvalContext): Observable<EvalResult> =>
        this.#respond(runtime, { type: 'evaluate', context, key }, (at) => {
          const flag = this.#flags.get(key);
          if (flag === undefined) throw new FlagNotFoundError(key);
          return served(key, flag, context, at);
        }),
      track: (events: TrackedEvent[]): Observable<void> =>
        this.#respond(runtime, { type: 'track', events }, () => {
          this.#accepted.push(...events);
        }),
      stream: (context: EvalContext): Observable<StreamMessage> =>
        new Observable<StreamMessage>((subscriber) => {
          this.#log.push({ type: 'stream', at: scheduler.now(), context });
          this.#streams.add(subscriber);
          subscriber.next({ type: 'connected' });
          return () => this.#streams.delete(subscriber);
        }),
    };
  }

  /**
   * One request, on subscribe: recorded and answered (`answer` gets the ISO time of arrival) or failed
   * (an active `fail()` uses up one of its `times`) as the server stood when it arrived, after the
   * configured latency on the client's scheduler; a latency of the client's timeout or more times out
   * at the timeout instead.
   */
  #respond<T>(runtime: TransportRuntime, request: Arrival, answer: (at: string) => T): Observable<T> {
    return defer(() => {
      const { scheduler, timeoutMs } = runtime;
      const at = scheduler.now();
      this.#log.push({ ...request, at });
      const failure = this.#failure;
      let latency = this.#latencyMs;
      let reply: Observable<T>;
      try {
        if (failure) {
          if (--failure.remaining <= 0) this.#failure = undefined;
          throw failure.error;
        }
        reply = of(answer(new Date(at).toISOString()));
      } catch (error: unknown) {
        reply = throwError(() => error);
      }
      if (latency >= timeoutMs) {
        latency = timeoutMs;
        reply = throwError(() => new TimeoutError(timeoutMs, 'test source request'));
      }
      return latency > 0 ? timer(latency, scheduler).pipe(mergeMap(() => reply)) : reply;
    });
  }

  #broadcast(message: StreamMessage): void {
    for (const subscriber of [...this.#streams]) subscriber.next(message);
  }

  #count(type: TestRequest['type']): number {
    return this.#log.filter((request) => request.type === type).length;
  }
}

/** The result a flag serves to `context`, evaluated at `at` (ISO). */
function served(key: string, flag: SourceFlag, context: EvalContext, at: string): EvalResult {
  return toResult(key, typeof flag === 'function' ? flag(context) : flag, 'network', at);
}
