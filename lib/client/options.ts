import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { ConfigError } from '../errors.js';
import { checkKeys } from '../transports/config.js';
import { defaultBackoff, type BackoffPolicy } from '../net/backoff.js';
import { defaultCircuitBreaker, type CircuitBreakerOptions } from '../net/circuit.js';
import { DEFAULT_MAX_RESPONSE_BYTES } from '../net/http.js';
import type { Transport } from '../transports/transport.js';
import type { EvalContext, EvalResult, FetchLike, JsonValue, Logger } from '../types.js';
import { defaultFetch } from './default-fetch.js';
import { ownRecord } from './state/json-values.js';
import { ownContext } from './own-context.js';
import { isObject, numberGroup, numberOption } from './number-options.js';
import { isRecord } from '../transports/values.js';
import type { SnapshotJSON } from './state/snapshot.js';
import type { TrackingOptions } from './features/tracking.js';
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
  /**
   * `fetch` to use (default: the global one, else `cross-fetch`). Not part of the transport's
   * identity (the scope of store records and fleet leases): a fetch that selects a tenant needs the
   * tenant in `ofrep({ headers })`, or a store and fleet of its own (`prefix`, `name`).
   */
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
   * outside a browser, nor in a fleet (its leader streams for every tab, visible ones included).
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
  store?: FlagStore;
  bootstrap?: Record<string, JsonValue> | SnapshotJSON;
  freshBootstrap: boolean;
  scheduler: SchedulerLike;
  fetch: FetchLike;
  logger: Logger;
  backoff: BackoffPolicy;
  circuitBreaker: CircuitBreakerOptions | false;
  /** Checked and completed by the tracking of a transport with sinks (`resolveTracking`), unused otherwise. */
  tracking?: Partial<TrackingOptions>;
  snapshotForMaxAgeMs: number;
  maxResponseBytes: number;
  hiddenCloseMs: number;
  fleet?: FleetOption;
}

/** Validates options synchronously; a `ConfigError` names the first bad field and its rule. */
export function resolveOptions(options: FlagClientOptions): ResolvedOptions {
  if (!isObject(options)) throw new ConfigError('options', 'must be an object');
  checkKeys(options, OPTION_KEYS);
  const resolved = {} as Record<keyof FlagClientOptions, unknown>;
  for (const field of OPTION_KEYS) resolved[field] = RULES[field](options[field] as never, resolved as ResolvedOptions, field, options);
  return resolved as ResolvedOptions;
}

/**
 * How an option is checked and completed: its `value`, given the options resolved before it (a
 * `ConfigError` names `field`).
 */
type Rule = (value: never, resolved: ResolvedOptions, field: keyof FlagClientOptions, options: FlagClientOptions) => unknown;

/**
 * A number option ({@link numberOption}): its default (none: the poll interval, or 30 000 with
 * polling off), least value, and whether 0 turns it off. Free of side effects (as `check`), so that a
 * bundle importing only `consoleLogger` from here drops the table.
 */
/* @__NO_SIDE_EFFECTS__ */
function number(fallback: number | undefined, min: number, off?: boolean): Rule {
  return (_, resolved, field, options) => numberOption(options, field, fallback ?? (resolved.pollIntervalMs || 30_000), min, off);
}

/** An option that, when set, passes `ok` (given the transport), else a `ConfigError` states `rule`; `fallback()` when absent. */
/* @__NO_SIDE_EFFECTS__ */
function check<T>(ok: (value: T, transport: Transport) => unknown, rule: string, fallback?: () => T): Rule {
  return (value: T | undefined, { transport }, field) => {
    if (value !== undefined && !ok(value, transport)) throw new ConfigError(field, rule);
    return value ?? fallback?.();
  };
}

const isFunction = (value: unknown): boolean => typeof value === 'function';
const record = check(isRecord, 'must be an object of flag key → value');
const flag = check((value: unknown) => typeof value === 'boolean', 'must be true or false');

/**
 * The rule of every option, in checking order (also the order `checkKeys` lists them in): `transport`
 * first, `context` next (copied, so later changes to the caller's objects never reach it).
 */
const RULES: Record<keyof FlagClientOptions, Rule> = {
  transport: (transport?: Transport) => {
    if (!isFunction(transport?.connect)) throw new ConfigError('transport', 'is required: cuttlegate({...}), rollgate({...}), ofrep({...}) or a test source');
    return transport;
  },
  context: (context?: EvalContext) => ownContext(context) ?? {},
  streaming: (...rule) => flag(...rule) ?? true,
  // Polling faster than once a second only loads the server (use streaming for speed).
  pollIntervalMs: number(30_000, 1_000, true),
  timeoutMs: number(10_000, 1),
  defaults: (...rule) => ownRecord(record(...rule) as Record<string, unknown> | undefined),
  store: check((store: FlagStore | null) => isFunction(store?.save) && isFunction(store?.load), 'must have save() and load()'),
  bootstrap: record,
  freshBootstrap: (...rule) => !!(flag(...rule) && rule[1].bootstrap),
  scheduler: check((scheduler: SchedulerLike | null) => isFunction(scheduler?.schedule), 'must be an rxjs SchedulerLike', () => asyncScheduler),
  fetch: check(isFunction, 'must be a function', defaultFetch),
  logger: check((logger: Logger | null) => isFunction(logger?.warn) && isFunction(logger?.error), 'must have warn() and error()', () => consoleLogger),
  backoff: (backoff?: Partial<BackoffPolicy>) => numberGroup('backoff', backoff, defaultBackoff, 0),
  circuitBreaker: (breaker?: Partial<CircuitBreakerOptions> | false) => breaker !== false && numberGroup('circuitBreaker', breaker, defaultCircuitBreaker, 1),
  // Its numbers are checked by the tracking of a transport with sinks (`resolveTracking`), the only one using them.
  tracking: check(isRecord, 'must be an object'),
  snapshotForMaxAgeMs: number(undefined, 0),
  maxResponseBytes: number(DEFAULT_MAX_RESPONSE_BYTES, 1),
  hiddenCloseMs: number(60_000, 0),
  fleet: check((fleet: FleetOption | null, transport) => isFunction(fleet?.attach) && transport.identity, 'must be redisFleet(redis) or tabFleet(), with a transport that has an identity'),
};

/** Every key of {@link FlagClientOptions}: any other is a typo, rejected with the nearest of these. */
export const OPTION_KEYS = /* @__PURE__ */ Object.keys(RULES) as readonly (keyof FlagClientOptions)[];


/** Where warnings go without a `logger` option: `console`, prefixed. */
export const consoleLogger: Logger = {
  warn: (message, ...rest) => console.warn(`[flagstream] ${message}`, ...rest),
  error: (message, ...rest) => console.error(`[flagstream] ${message}`, ...rest),
};
