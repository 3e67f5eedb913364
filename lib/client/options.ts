import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { ConfigError } from '../errors.js';
import { defaultBackoff, type BackoffPolicy } from '../net/backoff.js';
import { defaultCircuitBreaker, type CircuitBreakerOptions } from '../net/circuit.js';
import type { Transport } from '../transports/transport.js';
import type { EvalContext, EvalResult, FetchLike, JsonValue, Logger } from '../types.js';
import { defaultFetch } from './default-fetch.js';
import { ownRecord } from './state/json-values.js';
import type { SnapshotJSON } from './state/snapshot.js';
import { defaultTracking, type TrackingOptions } from './features/tracking.js';
import type { FleetOption } from './features/fleet-link.js';

/** What a {@link FlagStore} keeps: the client's own versioned format. */
export interface StoredFlags {
  version: 1;
  /**
   * Whose flags these are: the transport's identity (server, project, environment; never the API
   * key) plus the context, as `storeScope()` encodes them. A record is only restored for its scope.
   */
  scope: string;
  /** ISO time of the save. */
  savedAt: string;
  flags: EvalResult[];
}

/** Persistence for cold starts with the server down. */
export interface FlagStore {
  /** Keeps `data` as the record of `data.scope` (replacing the previous one). */
  save(data: StoredFlags): Promise<void>;
  /** The record saved for `scope`, if any. Called only when the first load fails for a non-auth reason. */
  load(scope: string): Promise<StoredFlags | undefined>;
}

/** Options of {@link createFlagClient}. */
export interface FlagClientOptions {
  /** The wire protocol: `cuttlegate({...})`, `rollgate({...})`, `ofrep({...})`, or a test source. */
  transport: Transport;
  /** Who flags are evaluated for (default: anonymous). */
  context?: EvalContext;
  /** Use the transport's change stream (SSE) when it has one (default `true`). */
  streaming?: boolean;
  /** Poll every N ms, also while streaming (change kinds the stream does not report); 0 = off. Default 30 000. */
  pollIntervalMs?: number;
  /** Per-request timeout, ms (default 10 000). */
  timeoutMs?: number;
  /** Typed fallbacks used when a getter is called without a default. */
  defaults?: Record<string, JsonValue>;
  /** Persistence: saved after each load, read when the first load fails (not on auth errors). */
  store?: FlagStore;
  /**
   * Initial values (SSR, tests), readable at once; replaced by the first network load. A plain
   * `{ key: value }` map, or a server client's `snapshot.toJSON()` (values, variants and reasons kept).
   */
  bootstrap?: Record<string, JsonValue> | SnapshotJSON;
  /**
   * The `bootstrap` is fresh (a server render's snapshot of this very page): with a change stream,
   * the first load is the stream's connect refetch, so no bulk request goes out before the stream
   * opens, however long that takes (without it the first load waits at most 1 s for the stream). If
   * the stream fails first, the client loads at once. No effect without a bootstrap or a stream, or
   * when the transport opens its stream after a load (OFREP). Default `false`.
   */
  freshBootstrap?: boolean;
  /** Every timer goes through it (inject a `TestScheduler` for virtual time). Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
  /** `fetch` to use (default: the global one, else `cross-fetch`). */
  fetch?: FetchLike;
  /** Where warnings go (default: `console`, prefixed). Never receives the API key. */
  logger?: Logger;
  /** Retry policy (full-jitter exponential backoff). */
  backoff?: Partial<BackoffPolicy>;
  /**
   * Circuit breaker over every request to the server (default on: 5 failed requests within 60 s
   * open it for 30 s; 3 good probes close it). `false` turns it off.
   */
  circuitBreaker?: Partial<CircuitBreakerOptions> | false;
  /** Batching of `track()` events and evaluation telemetry, for transports that accept them. */
  tracking?: Partial<TrackingOptions>;
  /**
   * How long a `snapshotFor(context)` result is served from the cache, ms (default: the poll
   * interval, or 30 000 with polling off). Stream events and main-snapshot changes drop it sooner.
   */
  snapshotForMaxAgeMs?: number;
  /** Largest response body accepted, bytes (default 4 MiB); a bigger one is an `InvalidResponseError`. */
  maxResponseBytes?: number;
  /**
   * In a browser, the change stream closes once the page has been hidden this long (ms) and reopens,
   * with a refetch, when the page is visible again. 0 keeps it open. Default 60 000; no effect
   * outside a browser.
   */
  hiddenCloseMs?: number;
  /**
   * Fleet mode (`redisFleet(redis)` from `flagstream/stores`): the processes with the same transport
   * identity and context share one upstream connection; one leader loads and streams, the others
   * read its snapshots. Needs a transport with an `identity`.
   */
  fleet?: FleetOption;
}

/** Options after validation, with defaults filled in. */
export interface ResolvedOptions {
  transport: Transport;
  context: EvalContext;
  streaming: boolean;
  pollIntervalMs: number;
  timeoutMs: number;
  /** Frozen, null-prototype: `defaults[key]` reads own keys only. */
  defaults: Readonly<Record<string, JsonValue>>;
  store: FlagStore | undefined;
  bootstrap: Record<string, JsonValue> | SnapshotJSON | undefined;
  freshBootstrap: boolean;
  scheduler: SchedulerLike;
  fetch: FetchLike;
  logger: Logger;
  backoff: BackoffPolicy;
  circuitBreaker: CircuitBreakerOptions | false;
  tracking: TrackingOptions;
  snapshotForMaxAgeMs: number;
  maxResponseBytes: number;
  hiddenCloseMs: number;
  fleet: FleetOption | undefined;
}

/** Validates options synchronously; a `ConfigError` names the first bad field. */
export function resolveOptions(options: FlagClientOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'must be an object');
  const { transport } = options;
  if (!transport || typeof transport.connect !== 'function') {
    throw new ConfigError('transport', 'is required: cuttlegate({...}), rollgate({...}), ofrep({...}) or a test source');
  }
  const pollIntervalMs = nonNegative(options.pollIntervalMs, 30_000, 'pollIntervalMs');
  if (pollIntervalMs !== 0 && (pollIntervalMs < MIN_POLL_INTERVAL_MS || pollIntervalMs > MAX_TIMER_MS)) {
    throw new ConfigError('pollIntervalMs', `must be 0 (off) or from ${MIN_POLL_INTERVAL_MS} to ${MAX_TIMER_MS} ms, got ${pollIntervalMs}`);
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (typeof timeoutMs !== 'number' || !(timeoutMs >= 1 && timeoutMs <= MAX_TIMER_MS)) {
    throw new ConfigError('timeoutMs', `must be a number of ms from 1 to ${MAX_TIMER_MS}, got ${String(timeoutMs)}`);
  }
  checkContext(options.context, 'context');
  for (const field of ['defaults', 'bootstrap'] as const) {
    const value = options[field];
    if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw new ConfigError(field, 'must be an object of flag key → value');
    }
  }
  const store = options.store;
  if (store !== undefined && (typeof store.save !== 'function' || typeof store.load !== 'function')) {
    throw new ConfigError('store', 'must have save() and load()');
  }
  const fleet = options.fleet;
  if (fleet !== undefined && (typeof fleet?.attach !== 'function' || !transport.identity)) {
    throw new ConfigError('fleet', 'must be redisFleet(redis), with a transport that has an identity');
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') throw new ConfigError('fetch', 'must be a function');
  if (options.scheduler !== undefined && typeof options.scheduler.schedule !== 'function') {
    throw new ConfigError('scheduler', 'must be an rxjs SchedulerLike');
  }
  const backoff = { ...defaultBackoff, ...options.backoff };
  for (const field of ['baseMs', 'capMs', 'healthyMs'] as const) {
    if (!Number.isFinite(backoff[field]) || backoff[field] < 0) throw new ConfigError(`backoff.${field}`, 'must be a number ≥ 0');
  }
  const hiddenCloseMs = nonNegative(options.hiddenCloseMs, 60_000, 'hiddenCloseMs');
  if (hiddenCloseMs > MAX_TIMER_MS) throw new ConfigError('hiddenCloseMs', `must be at most ${MAX_TIMER_MS}`);
  return {
    transport,
    context: { ...options.context },
    streaming: options.streaming ?? true,
    pollIntervalMs,
    timeoutMs,
    defaults: ownRecord(options.defaults),
    store,
    bootstrap: options.bootstrap,
    freshBootstrap: !!(options.bootstrap && options.freshBootstrap),
    scheduler: options.scheduler ?? asyncScheduler,
    fetch: options.fetch ?? defaultFetch(),
    logger: options.logger ?? consoleLogger,
    backoff,
    circuitBreaker: resolveCircuitBreaker(options.circuitBreaker),
    tracking: resolveTracking(options.tracking),
    snapshotForMaxAgeMs: nonNegative(options.snapshotForMaxAgeMs, pollIntervalMs > 0 ? pollIntervalMs : 30_000, 'snapshotForMaxAgeMs'),
    maxResponseBytes: positiveInteger(options.maxResponseBytes, 4 * 1024 * 1024, 'maxResponseBytes'),
    hiddenCloseMs,
    fleet,
  };
}

function resolveCircuitBreaker(option: FlagClientOptions['circuitBreaker']): CircuitBreakerOptions | false {
  if (option === false) return false;
  if (option !== undefined && (typeof option !== 'object' || option === null)) {
    throw new ConfigError('circuitBreaker', 'must be an object of thresholds or false');
  }
  const resolved = { ...defaultCircuitBreaker, ...option };
  for (const field of ['failureThreshold', 'halfOpenSuccesses'] as const) {
    if (!Number.isInteger(resolved[field]) || resolved[field] < 1) throw new ConfigError(`circuitBreaker.${field}`, 'must be an integer ≥ 1');
  }
  for (const field of ['windowMs', 'openMs'] as const) {
    if (!Number.isFinite(resolved[field]) || resolved[field] <= 0) throw new ConfigError(`circuitBreaker.${field}`, 'must be a number > 0');
  }
  return resolved;
}

function resolveTracking(option: FlagClientOptions['tracking']): TrackingOptions {
  if (option !== undefined && (typeof option !== 'object' || option === null)) throw new ConfigError('tracking', 'must be an object');
  const resolved = { ...defaultTracking, ...option };
  for (const field of ['batchSize', 'maxQueue'] as const) {
    if (!Number.isInteger(resolved[field]) || resolved[field] < 1) throw new ConfigError(`tracking.${field}`, 'must be an integer ≥ 1');
  }
  for (const field of ['flushIntervalMs', 'closeTimeoutMs'] as const) {
    if (!Number.isFinite(resolved[field]) || resolved[field] <= 0) throw new ConfigError(`tracking.${field}`, 'must be a number > 0');
  }
  if (!Number.isFinite(resolved.telemetryIntervalMs) || resolved.telemetryIntervalMs < 0) {
    throw new ConfigError('tracking.telemetryIntervalMs', 'must be a number ≥ 0 (0 = off)');
  }
  return resolved;
}

/** Checks an `EvalContext` (used by `identify`, `evaluateFor`, `snapshotFor` too). */
export function checkContext(context: unknown, field: string): void {
  if (context === undefined) return;
  if (typeof context !== 'object' || context === null) throw new ConfigError(field, 'must be an object');
  const { userId, attributes } = context as EvalContext;
  if (userId !== undefined && typeof userId !== 'string') throw new ConfigError(`${field}.userId`, 'must be a string');
  if (attributes !== undefined && (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes))) {
    throw new ConfigError(`${field}.attributes`, 'must be an object');
  }
}

/** Shortest poll period: polling faster than once a second only loads the server (use streaming for speed). */
const MIN_POLL_INTERVAL_MS = 1_000;
/** Longest delay a timer can wait (2^31 − 1 ms); longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function nonNegative(value: unknown, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new ConfigError(field, 'must be a number ≥ 0');
  return value;
}

function positiveInteger(value: unknown, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new ConfigError(field, 'must be an integer ≥ 1');
  return value;
}

const consoleLogger: Logger = {
  warn: (message, ...rest) => console.warn(`[flagstream] ${message}`, ...rest),
  error: (message, ...rest) => console.error(`[flagstream] ${message}`, ...rest),
};
