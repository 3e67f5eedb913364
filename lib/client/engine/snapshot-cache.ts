import { firstValueFrom, type SchedulerLike } from 'rxjs';
import type { TransportSession } from '../../transports/transport.js';
import type { EvalContext, EvalResult } from '../../types.js';
import { contextKey } from '../context-key.js';
import type { FleetHandle } from '../features/fleet-contract.js';
import type { loadedResults } from '../state/results.js';
import type { FlagSnapshot } from '../state/snapshot.js';

/** Most contexts the cache keeps; the oldest entry goes first. */
export const SNAPSHOT_CACHE_LIMIT = 500;

/**
 * `snapshotFor` results per context: one request per context while an entry is fresh (in a fleet,
 * read through the fleet's shared results). An entry expires `maxAgeMs` after it was fetched (rules
 * that only affect that context change too), and every entry is dropped when the flags change (a
 * stream event, a new main snapshot). A failed fetch is not kept. The client loads it with the first
 * `snapshotFor` (a chunk of its own, which imports nothing the core has: `FlagSnapshot.from` and `loadedResults` are given).
 */
export class SnapshotCache {
  readonly #entries = new Map<string, { snapshot: Promise<FlagSnapshot>; fetchedAt: number }>();
  readonly #session: TransportSession;
  readonly #scheduler: SchedulerLike;
  readonly #maxAgeMs: number;
  readonly #fleet: FleetHandle | undefined;
  readonly #from: (flags: EvalResult[]) => FlagSnapshot;
  readonly #results: typeof loadedResults;

  /**
   * @param from makes a snapshot of a load's results (`FlagSnapshot.from`).
   * @param results a landed load's results, its rejected entries included, at a time (`loadedResults`).
   */
  constructor(
    session: TransportSession,
    options: { scheduler: SchedulerLike; snapshotForMaxAgeMs: number },
    fleet: FleetHandle | undefined,
    from: (flags: EvalResult[]) => FlagSnapshot,
    results: typeof loadedResults,
  ) {
    this.#session = session;
    this.#scheduler = options.scheduler;
    this.#maxAgeMs = options.snapshotForMaxAgeMs;
    this.#fleet = fleet;
    this.#from = from;
    this.#results = results;
  }

  /** The fresh entry for `context`, else one loaded now (kept while fresh). */
  get(context: EvalContext): Promise<FlagSnapshot> {
    const load = (): Promise<EvalResult[]> =>
      firstValueFrom(this.#session.load(context, { trigger: 'refresh', conditional: false, oneOff: true })).then((result) => (result.kind === 'flags' ? this.#results(result.flags, result.invalid, new Date(this.#scheduler.now()).toISOString()) : []));
    const key = contextKey(context);
    const now = this.#scheduler.now();
    const entry = this.#entries.get(key);
    if (entry && now - entry.fetchedAt < this.#maxAgeMs) return entry.snapshot;
    this.#entries.delete(key);
    if (this.#entries.size >= SNAPSHOT_CACHE_LIMIT) this.#entries.delete(this.#entries.keys().next().value as string);
    const snapshot = (this.#fleet ? this.#fleet.snapshotFor(context, load) : load()).then(this.#from);
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
