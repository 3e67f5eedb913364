import type { SchedulerLike } from 'rxjs';
import type { EvalContext } from '../../types.js';
import { contextKey } from '../context-key.js';
import type { FlagSnapshot } from '../state/snapshot.js';

/** Most contexts the cache keeps; the oldest entry goes first. */
export const SNAPSHOT_CACHE_LIMIT = 500;

/**
 * `snapshotFor` results per context: one request per context while an entry is fresh. An entry
 * expires `maxAgeMs` after it was fetched (rules that only affect that context change too), and
 * every entry is dropped when the flags change (a stream event, a new main snapshot). A failed
 * fetch is not kept.
 */
export class SnapshotCache {
  readonly #entries = new Map<string, { snapshot: Promise<FlagSnapshot>; fetchedAt: number }>();
  readonly #scheduler: SchedulerLike;
  readonly #maxAgeMs: number;

  constructor(scheduler: SchedulerLike, maxAgeMs: number) {
    this.#scheduler = scheduler;
    this.#maxAgeMs = maxAgeMs;
  }

  /** The fresh entry for `context`, else what `fetch` resolves to (kept while fresh). */
  get(context: EvalContext, fetch: () => Promise<FlagSnapshot>): Promise<FlagSnapshot> {
    const key = contextKey(context);
    const now = this.#scheduler.now();
    const entry = this.#entries.get(key);
    if (entry && now - entry.fetchedAt < this.#maxAgeMs) return entry.snapshot;
    this.#entries.delete(key);
    if (this.#entries.size >= SNAPSHOT_CACHE_LIMIT) this.#entries.delete(this.#entries.keys().next().value as string);
    const snapshot = fetch();
    const fresh = { snapshot, fetchedAt: now };
    this.#entries.set(key, fresh);
    snapshot.catch(() => {
      if (this.#entries.get(key) === fresh) this.#entries.delete(key);
    });
    return snapshot;
  }

  /** Drops every entry. */
  clear(): void {
    this.#entries.clear();
  }
}
