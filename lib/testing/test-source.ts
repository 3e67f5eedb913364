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
    for (const key of Object.keys(initial)) this.#flags.set(key, frozenFlag(initial[key]!));
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
    for (const key of keys) this.#flags.set(key, frozenFlag(updates[key]!));
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
    this.#failure = { error, remaining: times ?? Number.POSITIVE_INFINITY };
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
        this.#respond(
          runtime,
          { type: 'load', context, trigger: options.trigger },
          (): LoadResult => ({ kind: 'flags', flags: this.#evaluateAll(context, scheduler.now()) }),
        ),
      evaluate: (key: string, context: EvalContext): Observable<EvalResult> =>
        this.#respond(runtime, { type: 'evaluate', context, key }, () => {
          const flag = this.#flags.get(key);
          if (flag === undefined) throw new FlagNotFoundError(key);
          return this.#evaluateOne(key, flag, context, scheduler.now());
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
   * One request, on subscribe: recorded and answered (or failed) as the server stood when it arrived,
   * after the configured latency on the client's scheduler; a latency past the client's timeout times out.
   */
  #respond<T>(runtime: TransportRuntime, request: Arrival, answer: () => T): Observable<T> {
    return defer(() => {
      const { scheduler, timeoutMs } = runtime;
      this.#log.push({ ...request, at: scheduler.now() });
      const latency = this.#latencyMs;
      const failure = this.#takeFailure();
      let reply: Observable<T>;
      try {
        reply = failure ? throwError(() => failure) : of(answer());
      } catch (error: unknown) {
        reply = throwError(() => error);
      }
      if (latency >= timeoutMs) {
        return timer(timeoutMs, scheduler).pipe(mergeMap(() => throwError(() => new TimeoutError(timeoutMs, 'test source request'))));
      }
      return latency > 0 ? timer(latency, scheduler).pipe(mergeMap(() => reply)) : reply;
    });
  }

  /** The error for this request if a `fail()` is active; uses up one of its `times`. */
  #takeFailure(): Error | undefined {
    const failure = this.#failure;
    if (!failure) return undefined;
    failure.remaining -= 1;
    if (failure.remaining <= 0) this.#failure = undefined;
    return failure.error;
  }

  #evaluateAll(context: EvalContext, now: number): EvalResult[] {
    return [...this.#flags].map(([key, flag]) => this.#evaluateOne(key, flag, context, now));
  }

  #evaluateOne(key: string, flag: SourceFlag, context: EvalContext, now: number): EvalResult {
    const input = typeof flag === 'function' ? flag(context) : flag;
    return toResult(key, input, 'network', new Date(now).toISOString());
  }

  #broadcast(message: StreamMessage): void {
    for (const subscriber of [...this.#streams]) subscriber.next(message);
  }

  #count(type: TestRequest['type']): number {
    return this.#log.filter((request) => request.type === type).length;
  }
}

/** A per-context flag as given; a value or result frozen (copied), so the caller's object stays theirs. */
function frozenFlag(flag: SourceFlag): SourceFlag {
  return typeof flag === 'function' ? flag : frozenInput(flag);
}
