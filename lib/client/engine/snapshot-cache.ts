import { firstValueFrom, type SchedulerLike } from 'rxjs';
import type { TransportSession } from '../../transports/transport.js';
import type { ClientStatus, EvalContext, EvalResult } from '../../types.js';
import { contextKey } from '../context-key.js';
import type { FleetHandle } from '../features/fleet-contract.js';
import type { loadedResults } from '../state/results.js';
import type { FlagSnapshot } from '../state/snapshot.js';

/** Most contexts the cache keeps; the oldest entry goes first. */
export const SNAPSHOT_CACHE_LIMIT = 500;

/** What the cache reads of the client's status: the state, since when it holds, and its error. */
type StatusView = { readonly value: Pick<ClientStatus, 'state' | 'since' | 'error'> };

/** A cached answer: its snapshot, when it was asked, and the status it was asked in (state and since). */
type Entry = { snapshot: Promise<FlagSnapshot>; fetchedAt: number; period: string };

/**
 * `snapshotFor` results per context: one request per context while an entry is fresh (in a fleet,
 * read through the fleet's shared results). An entry expires `maxAgeMs` after it was fetched (rules
 * that only affect that context change too), and every entry is dropped when the flags change (a
 * stream event, a new main snapshot). A failed fetch is not kept. The client loads it with the first
 * `snapshotFor` (a chunk of its own, which imports nothing the core has: `FlagSnapshot.from` and `loadedResults` are given).
 *
 * Never fresher than the client: an entry is served only within the status it was fetched in, since
 * what drops entries (stream events, landed loads) stops with a stale client. After a status change
 * it is asked again; when that fails, the entry (while not expired) answers held, every result with
 * the reason `stale` (as the snapshot's held flags), until that status ends or the entry expires.
 * While the client is not `ready`, a fleet's shared result (loaded by any process, at any time
 * before) also answers held; only the client's own load is fresh.
 */
export class SnapshotCache {
  readonly #entries = new Map<string, Entry>();
  readonly #session: TransportSession;
  readonly #scheduler: SchedulerLike;
  readonly #maxAgeMs: number;
  readonly #fleet: FleetHandle | undefined;
  readonly #from: (flags: EvalResult[]) => FlagSnapshot;
  readonly #results: typeof loadedResults;
  readonly #status: StatusView;
  readonly #terminal: (error: unknown) => boolean;

  /**
   * @param from makes a snapshot of a load's results (`FlagSnapshot.from`).
   * @param results a landed load's results, its rejected entries included, at a time (`loadedResults`).
   * @param status the client's status (its reporter).
   * @param terminal whether an error stops the client for good (`isTerminal`).
   */
  constructor(
    session: TransportSession,
    options: { scheduler: SchedulerLike; snapshotForMaxAgeMs: number },
    fleet: FleetHandle | undefined,
    from: (flags: EvalResult[]) => FlagSnapshot,
    results: typeof loadedResults,
    status: StatusView,
    terminal: (error: unknown) => boolean,
  ) {
    this.#session = session;
    this.#scheduler = options.scheduler;
    this.#maxAgeMs = options.snapshotForMaxAgeMs;
    this.#fleet = fleet;
    this.#from = from;
    this.#results = results;
    this.#status = status;
    this.#terminal = terminal;
  }

  /** The fresh entry for `context`, else one loaded now (kept while fresh), else the live entry held. */
  get(context: EvalContext): Promise<FlagSnapshot> {
    let own = false;
    const load = (): Promise<EvalResult[]> =>
      firstValueFrom(this.#session.load(context, { trigger: 'refresh', conditional: false, oneOff: true })).then((result) => {
        own = true;
        return result.kind === 'flags' ? this.#results(result.flags, result.invalid, new Date(this.#scheduler.now()).toISOString()) : [];
      });
    const key = contextKey(context);
    const now = this.#scheduler.now();
    const { state, since } = this.#status.value;
    const period = state + since;
    const entry = this.#entries.get(key);
    const live = entry && now - entry.fetchedAt < this.#maxAgeMs ? entry : undefined;
    if (live?.period === period) return live.snapshot;
    this.#entries.delete(key);
    if (this.#entries.size >= SNAPSHOT_CACHE_LIMIT) this.#entries.delete(this.#entries.keys().next().value as string);
    const snapshot = (this.#fleet ? this.#fleet.snapshotFor(context, load) : load()).then(
      (flags) => this.#from(own || state === 'ready' ? flags : flags.map(held)),
      (error: unknown) => {
        // Held no longer than the entry lives, and not by a client that is closed or stopped for good.
        const after = this.#status.value;
        if (!live || after.state === 'closed' || this.#terminal(after.error) || this.#scheduler.now() - live.fetchedAt >= this.#maxAgeMs) throw error;
        fresh.fetchedAt = live.fetchedAt; // held no longer than the entry it holds
        return live.snapshot.then((last) => this.#from(last.values().map(held)));
      },
    );
    const fresh = { snapshot, fetchedAt: now, period };
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

/** A result served without the server confirming it now: the reason `stale` (an error result stays one). */
function held(result: EvalResult): EvalResult {
  return result.errorCode || result.reason === 'stale' ? result : { ...result, reason: 'stale' };
}
