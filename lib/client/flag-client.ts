import type { Observable } from 'rxjs';
import type { ClientEvent, ClientStatus, EvalContext, EvalResult, FlagChange, JsonValue, ReadyResult, TrackEvent } from '../types.js';
import type { AnyFlagKey, FlagKeyOf, FlagValueOf, TypedKey, UntypedFlags, UntypedKey } from './flag-keys.js';
import type { FlagSnapshot } from './state/snapshot.js';

/** Options of {@link FlagClient.values}. */
export type ValuesOptions = {
  /** Aborting it ends the iteration (as `close()` does). */
  signal?: AbortSignal;
};

/**
 * The flag client: synchronous reads, per-key observables and async iterables over one snapshot.
 *
 * `F` is an optional flags interface (`flagstream types` writes one from a flags file): with it,
 * every keyed method accepts only the keys of the matching type and returns the declared type
 * (`bool` takes boolean flags, `string` returns the union of a string flag's variants, `json`
 * returns a JSON flag's shape). Without it, keys are strings and values have the default types.
 * Types only: the runtime does not know `F`, so a value the interface does not declare (a stale
 * interface, or a read's fallback before the first load) is not caught.
 */
export interface FlagClient<F extends object = UntypedFlags> {
  /** Resolves after the first load (network, store or bootstrap) or the timeout. Never rejects. */
  ready(options?: { timeoutMs?: number }): Promise<ReadyResult>;
  /** Boolean value; the default when missing, of another type, or not loaded. Never throws. */
  bool(key: FlagKeyOf<F, boolean>, def?: boolean): boolean;
  /** String value; `def`, else the configured default (`defaults`), else `''`. Never throws. */
  string<K extends FlagKeyOf<F, string>>(key: K, def?: FlagValueOf<F, K, string>): FlagValueOf<F, K, string>;
  /** Number value; `def`, else the configured default, else `0`. Never throws. */
  number<K extends FlagKeyOf<F, number>>(key: K, def?: FlagValueOf<F, K, number>): FlagValueOf<F, K, number>;
  /** Any JSON value; `def`, else the configured default, else `null`. Never throws. */
  json<T = JsonValue>(key: UntypedKey<F>, def?: T): T;
  /** With a flags interface: any flag's value, typed as declared. */
  json<K extends TypedKey<F>>(key: K, def?: FlagValueOf<F, K, JsonValue>): FlagValueOf<F, K, JsonValue>;
  /** The full result; a missing key gives `reason: 'not_found'`, `errorCode: 'FLAG_NOT_FOUND'`. */
  evaluate<K extends AnyFlagKey<F>>(key: K): EvalResult<FlagValueOf<F, K, JsonValue>>;
  /** The current immutable snapshot. */
  all(): FlagSnapshot;
  /** The current immutable snapshot (as `all()`). */
  readonly snapshot: FlagSnapshot;
  /** Hot, shared per key; first value synchronous once loaded; emits only on real change. */
  flag$<K extends AnyFlagKey<F>>(key: K): Observable<EvalResult<FlagValueOf<F, K, JsonValue>>>;
  /** `bool()` per change, shared per key and default. */
  bool$(key: FlagKeyOf<F, boolean>, def?: boolean): Observable<boolean>;
  /** `string()` per change, shared per key and default. */
  string$<K extends FlagKeyOf<F, string>>(key: K, def?: FlagValueOf<F, K, string>): Observable<FlagValueOf<F, K, string>>;
  /** `number()` per change, shared per key and default. */
  number$<K extends FlagKeyOf<F, number>>(key: K, def?: FlagValueOf<F, K, number>): Observable<FlagValueOf<F, K, number>>;
  /** `json()` per change, shared per key and default. */
  json$<T = JsonValue>(key: UntypedKey<F>, def?: T): Observable<T>;
  /** With a flags interface: `json()` per change, typed as declared. */
  json$<K extends TypedKey<F>>(key: K, def?: FlagValueOf<F, K, JsonValue>): Observable<FlagValueOf<F, K, JsonValue>>;
  /** The whole state, once loaded, on every change. */
  readonly flags$: Observable<FlagSnapshot>;
  /** One emission per changed key. */
  readonly changes$: Observable<FlagChange>;
  /** The client's status, the current one first, then on every change. */
  readonly status$: Observable<ClientStatus>;
  /** The client's status now. */
  readonly status: ClientStatus;
  /** Discrete events (circuit, stream, refresh, errors, fleet role) as they happen. */
  readonly events$: Observable<ClientEvent>;
  /** The typed observable the default's type picks: `bool$`, `string$`, `number$`, else `json$`. */
  value$(key: UntypedKey<F>, def: boolean): Observable<boolean>;
  /** A string default: `string$`. */
  value$(key: UntypedKey<F>, def: string): Observable<string>;
  /** A number default: `number$`. */
  value$(key: UntypedKey<F>, def: number): Observable<number>;
  /** Any JSON default, an interface-typed one included (`interface Cfg { steps: number }`). */
  value$<T extends JsonValue | object>(key: UntypedKey<F>, def: T): Observable<T>;
  /** With a flags interface: the declared type. */
  value$<K extends TypedKey<F>>(key: K, def: FlagValueOf<F, K, JsonValue>): Observable<FlagValueOf<F, K, JsonValue>>;
  /**
   * Latest-value iteration (slow consumers skip to the newest); ends on `close()` or `signal`. The
   * default's type picks the getter: boolean, string, number, else any JSON value.
   */
  values(key: UntypedKey<F>, def: boolean, options?: ValuesOptions): AsyncIterable<boolean>;
  /** A string default: the flag's string values. */
  values(key: UntypedKey<F>, def: string, options?: ValuesOptions): AsyncIterable<string>;
  /** A number default: the flag's number values. */
  values(key: UntypedKey<F>, def: number, options?: ValuesOptions): AsyncIterable<number>;
  /** Any JSON default, an interface-typed one included: the flag's JSON values. */
  values<T extends JsonValue | object>(key: UntypedKey<F>, def: T, options?: ValuesOptions): AsyncIterable<T>;
  /** Without a default, the configured one picks the view (none: any JSON value, else `null`). */
  values<T extends JsonValue = JsonValue>(key: UntypedKey<F>): AsyncIterable<T>;
  /** With a flags interface: the declared type; without `def`, the fallback is the configured default, else `null`. */
  values<K extends TypedKey<F>>(key: K, def?: FlagValueOf<F, K, JsonValue>, options?: ValuesOptions): AsyncIterable<FlagValueOf<F, K, JsonValue>>;
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
  evaluateFor<K extends AnyFlagKey<F>>(key: K, context: EvalContext): Promise<EvalResult<FlagValueOf<F, K, JsonValue>>>;
  /**
   * All flags for another context in one round trip; cached per context for `snapshotForMaxAgeMs`,
   * until the flags change, and while the client's status stays as it was. When asking again fails,
   * a cached answer comes back held (each result's reason `stale`). It changes nothing on the server
   * for the main context.
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
