import type { Observable } from 'rxjs';
import type { ClientEvent, ClientStatus, EvalContext, EvalResult, FlagChange, JsonValue, ReadyResult, TrackEvent } from '../types.js';
import type { FlagSnapshot } from './state/snapshot.js';

/** The flag client: synchronous reads, per-key observables and async iterables over one snapshot. */
export interface FlagClient {
  /** Resolves after the first load (network, store or bootstrap) or the timeout. Never rejects. */
  ready(options?: { timeoutMs?: number }): Promise<ReadyResult>;
  /** Boolean value; the default when missing, of another type, or not loaded. Never throws. */
  bool(key: string, def?: boolean): boolean;
  /** String value; `def`, else the configured default (`defaults`), else `''`. Never throws. */
  string(key: string, def?: string): string;
  /** Number value; `def`, else the configured default, else `0`. Never throws. */
  number(key: string, def?: number): number;
  /** Any JSON value; `def`, else the configured default, else `null`. Never throws. */
  json<T = JsonValue>(key: string, def?: T): T;
  /** The full result; a missing key gives `reason: 'not_found'`, `errorCode: 'FLAG_NOT_FOUND'`. */
  evaluate(key: string): EvalResult;
  /** The current immutable snapshot. */
  all(): FlagSnapshot;
  readonly snapshot: FlagSnapshot;
  /** Hot, shared per key; first value synchronous once loaded; emits only on real change. */
  flag$(key: string): Observable<EvalResult>;
  bool$(key: string, def?: boolean): Observable<boolean>;
  string$(key: string, def?: string): Observable<string>;
  number$(key: string, def?: number): Observable<number>;
  json$<T = JsonValue>(key: string, def?: T): Observable<T>;
  /** The whole state, once loaded, on every change. */
  readonly flags$: Observable<FlagSnapshot>;
  /** One emission per changed key. */
  readonly changes$: Observable<FlagChange>;
  readonly status$: Observable<ClientStatus>;
  readonly status: ClientStatus;
  readonly events$: Observable<ClientEvent>;
  /** The typed observable the default's type picks: `bool$`, `string$`, `number$`, else `json$`. */
  value$(key: string, def: boolean): Observable<boolean>;
  value$(key: string, def: string): Observable<string>;
  value$(key: string, def: number): Observable<number>;
  value$<T extends JsonValue>(key: string, def: T): Observable<T>;
  /**
   * Latest-value iteration (slow consumers skip to the newest); ends on `close()` or `signal`. The
   * default's type picks the getter: boolean, string, number, else any JSON value.
   */
  values(key: string, def: boolean, options?: { signal?: AbortSignal }): AsyncIterable<boolean>;
  values(key: string, def: string, options?: { signal?: AbortSignal }): AsyncIterable<string>;
  values(key: string, def: number, options?: { signal?: AbortSignal }): AsyncIterable<number>;
  values<T extends JsonValue>(key: string, def: T, options?: { signal?: AbortSignal }): AsyncIterable<T>;
  /** Without a default, the configured one picks the view (none: any JSON value, else `null`). */
  values<T extends JsonValue = JsonValue>(key: string): AsyncIterable<T>;
  /** The current context (a copy; it changes only through `identify`). */
  readonly context: EvalContext;
  /**
   * Switches context; resolves once the new context's values are in the snapshot (or those of a
   * context switched to after it), rejects with the typed error of that load.
   */
  identify(context: EvalContext): Promise<void>;
  /**
   * Loads now; resolves when a load that started after the call has landed, rejects with the typed
   * error of that load (at once while the gate refuses requests: `Retry-After`, open circuit).
   */
  refresh(): Promise<void>;
  /** One remote evaluation for another context. */
  evaluateFor(key: string, context: EvalContext): Promise<EvalResult>;
  /**
   * All flags for another context in one round trip; cached per context for `snapshotForMaxAgeMs`
   * and until the flags change. It changes nothing on the server for the main context.
   */
  snapshotFor(context: EvalContext): Promise<FlagSnapshot>;
  /** Forces the circuit breaker closed; a load the open circuit held back runs at once. */
  resetCircuit(): void;
  /**
   * Buffers a conversion event for the transport's events endpoint (Rollgate), sent in batches.
   * `userId` defaults to the context's. Throws `ConfigError` for a bad event; a transport without
   * an events endpoint drops every event unchecked (logged once).
   */
  track(event: TrackEvent): void;
  /** Sends buffered events and evaluation counts now; rejects with the typed error (nothing is lost). */
  flush(): Promise<void>;
  /**
   * Idempotent; ends every stream, timer, socket and iterable. Buffered events and counts get one
   * final best-effort flush, aborted after `tracking.closeTimeoutMs`; `await flush()` first to know
   * they were sent.
   */
  close(): void;
}
