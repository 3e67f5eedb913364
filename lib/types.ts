/** Public value types shared by the client, the transports and the helpers. */

/** A JSON value, as flag values and attributes travel on the wire. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Who flags are evaluated for. */
export interface EvalContext {
  /** Stable user id; `''` or absent means anonymous. */
  userId?: string;
  /** Targeting attributes. Transports convert them to what their wire accepts. */
  attributes?: Record<string, unknown>;
  /** E-mail, where a protocol has a field for it (Rollgate). */
  email?: string;
}

/** Where a value in the snapshot came from. */
export type ValueSource = 'network' | 'store' | 'bootstrap' | 'default';

/**
 * The full result of evaluating one flag. `V` is the value's type: any JSON value, or the flag's
 * declared type on a client with a flags interface (`FlagClient<Flags>`).
 */
export interface EvalResult<V = JsonValue> {
  /** The flag's key. */
  key: string;
  /** The flag is switched on (not its boolean value). */
  enabled: boolean;
  /** Primary field: `"true"`/`"false"` for bool flags, the variant key otherwise. */
  variant: string;
  /** The typed value; `undefined` means "no value: use the caller's default". */
  value: V | undefined;
  /**
   * The server's reason verbatim, or the client's own (`not_found`, `default_fallback`, `cached`, `bootstrap`,
   * `stale`: the last good result, held while the server's entry for the flag is rejected; `ERROR` with
   * `PARSE_ERROR` when a rejected entry has no last good result to hold).
   */
  reason: string;
  /** ISO 8601 evaluation time. */
  evaluatedAt: string;
  /** Where this result came from (`default`: no result, the caller's default applies). */
  source: ValueSource;
  /** Set when the result is an error outcome (`FLAG_NOT_FOUND`, `PARSE_ERROR`, `TYPE_MISMATCH`, …). */
  errorCode?: string;
  /** Protocol-specific detail kept verbatim (rule id, rollout flag, metadata…). */
  details?: Record<string, JsonValue>;
}

/** One key whose result changed between two snapshots. `undefined` = absent on that side. */
export interface FlagChange {
  /** The flag's key. */
  key: string;
  /** The result before the change. */
  previous: EvalResult | undefined;
  /** The result after the change. */
  current: EvalResult | undefined;
}

/**
 * `initializing` until the first values arrive; `ready` while loads succeed; `stale` when a load failed
 * (or the circuit is open) after values were loaded, which are still served; `error` when it failed with
 * nothing loaded (defaults are served); `closed` after `close()`.
 */
export type ClientState = 'initializing' | 'ready' | 'stale' | 'error' | 'closed';
/** Where the current snapshot came from: the server, a store (cold start), a bootstrap snapshot, or nothing yet. */
export type StatusSource = 'network' | 'store' | 'bootstrap' | 'none';
/** The circuit breaker around network fetches: `open` refuses requests, `half-open` lets one probe through. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** What the client is doing, as a value. */
export interface ClientStatus {
  /** What the client is doing (see {@link ClientState}). */
  state: ClientState;
  /** Where the current snapshot came from. */
  source: StatusSource;
  /** The circuit breaker's state. */
  circuit: CircuitState;
  /** A change stream is connected right now. */
  streaming: boolean;
  /** ISO time this status began. */
  since: string;
  /** The last error, while it still applies. */
  error?: Error;
  /** With a fleet (`redisFleet`): this process's part in it. Absent without a fleet. */
  role?: FleetRole;
}

/**
 * A process's part in a fleet: the `leader` holds the lease and talks to the server; a `follower`
 * reads the leader's snapshots from the fleet's store; `solo` means the store is unreachable and the
 * process talks to the server on its own until the fleet re-forms.
 */
export type FleetRole = 'leader' | 'follower' | 'solo';

/** Discrete things that happened, for logging and metrics. */
export type ClientEvent =
  | { type: 'circuit-open'; at: string }
  | { type: 'circuit-closed'; at: string }
  | { type: 'circuit-half-open'; at: string }
  | { type: 'stream-connected'; at: string }
  | { type: 'stream-disconnected'; at: string; error?: Error }
  | { type: 'refreshed'; at: string; changed: number }
  | { type: 'error'; at: string; error: Error }
  /** The tracked-event buffer was full: `dropped` oldest events were discarded. */
  | { type: 'events-dropped'; at: string; dropped: number }
  /** The `store` failed to load or save (the client carries on with the values it has). */
  | { type: 'store-error'; at: string; operation: 'load' | 'save'; error: Error }
  /** This process took the fleet's lease: it now loads and streams for the whole fleet. */
  | { type: 'fleet-leader'; at: string }
  /** Another process holds the lease: values now come from the fleet's store. */
  | { type: 'fleet-follower'; at: string }
  /** The fleet's store failed (`error`): this process talks to the server itself until it re-forms. */
  | { type: 'fleet-solo'; at: string; error: Error };

/** A conversion event for A/B analysis (`client.track`). */
export interface TrackEvent {
  /** The flag the event is attributed to. */
  flagKey: string;
  /** What happened (`checkout`, `signup`…). */
  eventName: string;
  /** Default: the client's current `context.userId`. */
  userId?: string;
  /** The variation the user saw. */
  variationId?: string;
  /** A numeric value (revenue, duration…). */
  value?: number;
  /** Further detail, sent as it is. */
  metadata?: Record<string, JsonValue>;
}

/** A tracked event as a transport sends it: user and time filled in. */
export interface TrackedEvent extends TrackEvent {
  /** The event's user (the context's when `track()` named none). */
  userId: string;
  /** RFC 3339 time of the `track()` call. */
  timestamp: string;
}

/** Boolean evaluations of one flag over a telemetry period. */
export interface EvaluationCount {
  /** Evaluations in the period. */
  total: number;
  /** Of those, how many gave `true`. */
  true: number;
  /** Of those, how many gave `false`. */
  false: number;
}

/** Aggregated evaluation counts for one period (integers). */
export interface TelemetryReport {
  /** Flag key → its counts. */
  evaluations: Record<string, EvaluationCount>;
  /** Milliseconds the counts cover. */
  periodMs: number;
}

/** What `ready()` resolves to. */
export interface ReadyResult {
  /** Values were loaded (from any source) before the timeout or a final failure. */
  ok: boolean;
  /** Where the values came from; `none` when nothing loaded. */
  source: StatusSource;
  /** The failed network load, if one settled it (values may still have come from a store or bootstrap). */
  error?: Error;
}

/** Minimal logger; it never receives the API key. */
export interface Logger {
  /** Fine-grained detail (optional). */
  debug?(message: string, ...rest: unknown[]): void;
  /** Notable events such as a recovery (optional). */
  info?(message: string, ...rest: unknown[]): void;
  /** A fault the client works around (it keeps serving). */
  warn(message: string, ...rest: unknown[]): void;
  /** A fault that stops the client (a terminal error such as a 401). */
  error(message: string, ...rest: unknown[]): void;
}

/** A `fetch`-compatible function. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;
