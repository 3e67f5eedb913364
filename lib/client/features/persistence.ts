import type { SchedulerLike, Subscription } from 'rxjs';
import type { StoreError, messageOf } from '../../errors.js';
import { canonicalJson, contextKey } from '../context-key.js';
import type { EvalContext, EvalResult, Logger } from '../../types.js';
import type { FlagStore, StoredFlags } from '../options.js';
import type { FlagSnapshot } from '../state/snapshot.js';

/** Version of the scope encoding; a new encoding never matches records saved under an old one. */
const SCOPE_VERSION = 'v1';

/** Scopes whose last save is remembered (a client switching contexts often forgets the oldest). */
const REMEMBERED_SCOPES = 16;

/**
 * The scope of a stored record for a context keyed `key` ({@link contextKey} of the client's own copy):
 * the transport's identity (server, project, environment; never the API key) plus that key. Apps
 * call `storeScope` (which copies the context first); the client passes its copy.
 */
export function scopeFor(identity: string, key: string): string {
  return `${SCOPE_VERSION} ${identity} ${key}`;
}

/** What the client asks of its store, per context (the scope is worked out here). */
export interface StoreLink {
  /** The results stored for `context`, if any (see {@link StoreSync.restore}). */
  restore(context: EvalContext): Promise<EvalResult[] | undefined>;
  /** Saves `snapshot` for `context` if it changed (see {@link StoreSync.saveIfChanged}). */
  save(context: EvalContext, snapshot: FlagSnapshot): void;
  /** Writes what is pending and stops. */
  close(): Promise<void>;
}

/**
 * The error helpers of the store sync, given by the client rather than imported: this chunk then
 * shares no module with the core (a bundler splits a shared module off as a chunk of its own, which
 * every page would load).
 */
export interface StoreErrors {
  StoreError: typeof StoreError;
  messageOf: typeof messageOf;
}

/**
 * The client's link to its `store`, scoped by the transport's `identity`. The client loads this
 * module only when it has a store (a dynamic import, split off by bundlers), so an app without one
 * never loads the store sync.
 */
export function storeLink(
  store: FlagStore,
  identity: string,
  scheduler: SchedulerLike,
  logger: Logger,
  report: (error: StoreError) => void,
  errors: StoreErrors,
): StoreLink {
  const sync = new StoreSync(store, scheduler, logger, report, errors);
  return {
    restore: (context) => sync.restore(scopeFor(identity, contextKey(context))),
    save: (context, snapshot) => sync.saveIfChanged(scopeFor(identity, contextKey(context)), snapshot),
    close: () => sync.close(),
  };
}

/** Options of {@link StoreSync}. */
export interface StoreSyncOptions {
  /** At most one save per this many ms; the latest snapshot of each scope wins (default 1 000). */
  debounceMs?: number;
  /**
   * A load or save still pending after this many ms counts as failed (default 5 000), so a store that
   * hangs (a Redis client queueing commands while offline) neither holds up a cold start nor stalls later saves.
   */
  timeoutMs?: number;
}

/**
 * The client's side of a {@link FlagStore}: restores a record for exactly one scope, saves changed
 * snapshots off the read path (debounced on the client's scheduler, one write at a time), and turns
 * every store failure into a log line plus a `report` call. Nothing here throws or rejects.
 */
export class StoreSync {
  readonly #debounceMs: number;
  readonly #timeoutMs: number;
  readonly #pending = new Map<string, FlagSnapshot>();
  /** Per scope: the snapshot last handed to the store, and its content signature once saved. */
  readonly #lastSnapshot = new Map<string, FlagSnapshot>();
  readonly #savedSignature = new Map<string, string>();
  #timer: Subscription | undefined;
  #writes: Promise<void> = Promise.resolve();
  #closed = false;
  readonly #store: FlagStore;
  readonly #scheduler: SchedulerLike;
  readonly #logger: Logger;
  readonly #report: (error: StoreError) => void;
  readonly #errors: StoreErrors;

  constructor(
    store: FlagStore,
    scheduler: SchedulerLike,
    logger: Logger,
    report: (error: StoreError) => void,
    errors: StoreErrors,
    options: StoreSyncOptions = {},
  ) {
    this.#store = store;
    this.#scheduler = scheduler;
    this.#logger = logger;
    this.#report = report;
    this.#errors = errors;
    this.#debounceMs = options.debounceMs ?? 1_000;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
  }

  /**
   * The results stored for `scope` (reason `cached`, or a held entry's `stale`; source `store`), or
   * `undefined` when there is none, the record belongs to another scope, it is not a valid record, or
   * the store failed.
   */
  async restore(scope: string): Promise<EvalResult[] | undefined> {
    if (this.#closed) return undefined;
    let data: StoredFlags | undefined;
    try {
      data = await this.#within('load', () => this.#store.load(scope));
    } catch (error) {
      this.#fail('load', 'flag store load failed', error);
      return undefined;
    }
    if (data === undefined || data === null) return undefined;
    if (typeof data === 'object' && typeof data.scope === 'string' && data.scope !== scope) {
      this.#logger.warn('flag store: ignored a record saved for another client scope');
      return undefined;
    }
    const results = typeof data === 'object' && data.scope === scope ? restoredResults(data) : undefined;
    if (!results) this.#logger.warn('flag store: ignored a record that is not a valid version-1 record');
    return results;
  }

  /**
   * Saves `snapshot` as the record of `scope` if its flags differ from the last save of that scope.
   * Returns at once; the write happens after `debounceMs` on the scheduler.
   */
  saveIfChanged(scope: string, snapshot: FlagSnapshot): void {
    if (this.#closed || this.#lastSnapshot.get(scope) === snapshot) return;
    this.#pending.set(scope, snapshot);
    this.#timer ??= this.#scheduler.schedule(() => {
      this.#timer = undefined;
      this.#flush();
    }, this.#debounceMs);
  }

  /** Stops: a save still waiting for its debounce is written now; later calls do nothing. Resolves once writes settle. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#timer?.unsubscribe();
      this.#timer = undefined;
      this.#flush();
      this.#closed = true;
    }
    return this.#writes;
  }

  #flush(): void {
    for (const [scope, snapshot] of this.#pending) {
      remember(this.#lastSnapshot, scope, snapshot);
      const flags = snapshot.values();
      const signature = signatureOf(flags);
      const record: StoredFlags = { version: 1, scope, savedAt: new Date(this.#scheduler.now()).toISOString(), flags };
      this.#writes = this.#writes.then(() => this.#write(record, signature));
    }
    this.#pending.clear();
  }

  async #write(record: StoredFlags, signature: string): Promise<void> {
    if (this.#savedSignature.get(record.scope) === signature) return;
    try {
      await this.#within('save', () => this.#store.save(record));
      remember(this.#savedSignature, record.scope, signature);
    } catch (error) {
      // What the store holds is unknown now (a timed-out write may still land): the next save writes.
      this.#savedSignature.delete(record.scope);
      this.#fail('save', 'flag store save failed', error);
    }
  }

  /** Runs one store call, failing it with a `StoreError` if it is still pending after `timeoutMs`. */
  #within<T>(operation: 'load' | 'save', call: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.#scheduler.schedule(() => reject(new this.#errors.StoreError(operation, `timed out after ${this.#timeoutMs} ms`)), this.#timeoutMs);
      Promise.resolve()
        .then(call)
        .then(
          (value) => {
            timer.unsubscribe();
            resolve(value);
          },
          (error: unknown) => {
            timer.unsubscribe();
            reject(error);
          },
        );
    });
  }

  /** Logs and reports a failed `operation` as a `StoreError` (a store's own full-storage error keeps `quota`). */
  #fail(operation: 'load' | 'save', what: string, cause: unknown): void {
    const { StoreError, messageOf } = this.#errors;
    const error = new StoreError(operation, `${what}: ${messageOf(cause)}`, { cause, quota: cause instanceof StoreError && cause.quota });
    this.#logger.warn(error.message);
    try {
      this.#report(error);
    } catch (reportError) {
      this.#logger.warn(`flag store: the error report failed: ${messageOf(reportError)}`);
    }
  }
}

/** Sets `key` as the newest entry of `map`, dropping the oldest beyond {@link REMEMBERED_SCOPES}. */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > REMEMBERED_SCOPES) map.delete(map.keys().next().value as string);
}

/** What a save compares: every field of every flag except the evaluation time. */
function signatureOf(flags: readonly EvalResult[]): string {
  return canonicalJson(flags.map((f) => [f.key, f.enabled, f.variant, f.value ?? null, f.reason, f.errorCode ?? null, f.details ?? null]));
}

/**
 * Validates what a store returned; `undefined` when it is not a version-1 record. Reason becomes
 * `cached`, except a held entry's `stale`: the server never confirmed it.
 */
export function restoredResults(data: StoredFlags | undefined): EvalResult[] | undefined {
  if (!data || typeof data !== 'object' || data.version !== 1 || !Array.isArray(data.flags)) return undefined;
  const results: EvalResult[] = [];
  for (const item of data.flags as unknown[]) {
    if (!isStoredResult(item)) continue;
    const result: EvalResult = {
      key: item.key,
      enabled: item.enabled,
      variant: item.variant,
      value: item.value,
      reason: item.reason === 'stale' ? 'stale' : 'cached',
      evaluatedAt: typeof item.evaluatedAt === 'string' ? item.evaluatedAt : data.savedAt,
      source: 'store',
    };
    if (typeof item.errorCode === 'string') result.errorCode = item.errorCode;
    results.push(result);
  }
  return results.length > 0 ? results : undefined;
}

function isStoredResult(item: unknown): item is EvalResult {
  if (typeof item !== 'object' || item === null) return false;
  const candidate = item as Partial<EvalResult>;
  return typeof candidate.key === 'string' && typeof candidate.enabled === 'boolean' && typeof candidate.variant === 'string';
}
