/**
 * FleetLink in fake time, over an in-memory coordinator shared by several links: lease renewal,
 * takeover once a lease lapses, stepping down when the lease is lost, solo on store failures and
 * re-forming, versions applied in order, and records of an older term dropped.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthError, FleetLeaderError, NetworkError } from '../../lib/errors.js';
import type { FleetClaim, FleetCoordinator, FleetHealth, FleetRecord, FleetView } from '../../lib/client/features/fleet-link.js';
import type { EvalResult } from '../../lib/types.js';
import { flag, linkMember } from './link-member.js';

const LEASE_MS = 3_000;

/** A coordinator in memory; `down` makes every call fail. */
class MemoryCoordinator implements FleetCoordinator {
  readonly leaseMs = LEASE_MS;
  readonly timeoutMs = 500;
  down = false;
  claims = 0;
  /** The last leadership's term: each lease taken afresh gets the next. */
  term = 0;
  private readonly leases = new Map<string, { holder: string; until: number; health: FleetHealth }>();
  private readonly farewells = new Map<string, { health: FleetHealth; until: number }>();
  readonly records = new Map<string, FleetRecord>();
  private readonly listeners = new Map<string, Set<(origin?: string) => void>>();

  async claim(scope: string, holder: string, health: FleetHealth): Promise<FleetClaim> {
    this.check();
    if (this.frozen.has(holder)) return new Promise<never>(() => {});
    this.claims += 1;
    const lease = this.live(scope);
    const shared = this.records.has(scope);
    if (lease && lease.holder !== holder) return { held: false, shared, remainingMs: lease.until - Date.now(), term: this.term };
    const changed = JSON.stringify(lease?.health) !== JSON.stringify(health);
    this.leases.set(scope, { holder, until: Date.now() + this.leaseMs, health });
    if (changed) this.notify(scope, holder);
    const farewell = this.farewells.get(scope);
    if (!lease) this.term += 1;
    return { held: true, shared, remainingMs: 0, term: this.term, ...(farewell && farewell.until > Date.now() ? { farewell: farewell.health } : {}) };
  }
  async release(scope: string, holder: string, farewell?: FleetHealth): Promise<void> {
    if (this.leases.get(scope)?.holder !== holder) return;
    this.leases.delete(scope);
    if (farewell) this.farewells.set(scope, { health: farewell, until: Date.now() + this.leaseMs });
    this.notify(scope, holder);
  }
  async publish(scope: string, holder: string, record: FleetRecord): Promise<boolean> {
    this.check();
    if (this.live(scope)?.holder !== holder) return false;
    this.records.set(scope, record);
    this.notify(scope, holder);
    return true;
  }
  async read(scope: string): Promise<FleetView> {
    this.check();
    const record = this.records.get(scope);
    const leader = this.live(scope)?.health;
    const farewell = this.farewells.get(scope);
    const said = farewell && farewell.until > Date.now() ? farewell.health : undefined;
    return { ...(record ? { record } : {}), ...(leader ? { leader } : {}), ...(said ? { farewell: said } : {}) };
  }
  async listen(scope: string, notice: (origin?: string) => void): Promise<() => void> {
    this.check();
    const set = this.listeners.get(scope) ?? new Set();
    this.listeners.set(scope, set.add(notice));
    return () => set.delete(notice);
  }
  async getShared(_key: string): Promise<EvalResult[] | undefined> {
    return undefined;
  }
  async putShared(_key: string, _flags: EvalResult[]): Promise<void> {}
  async close(): Promise<void> {}
  /** Someone else takes the lease of every scope (as after a long pause of the holder). */
  steal(): void {
    for (const [scope, lease] of this.leases) this.leases.set(scope, { ...lease, holder: 'thief', until: Date.now() + this.leaseMs });
  }
  /** Everything is lost, as after a restart without persistence. */
  wipe(): void {
    this.leases.clear();
    this.records.clear();
  }
  private live(scope: string): { holder: string; until: number; health: FleetHealth } | undefined {
    const lease = this.leases.get(scope);
    return lease && lease.until > Date.now() ? lease : undefined;
  }
  /** Tells the scope's listeners of a change (`origin`: the holder that caused it, if known). */
  notify(scope: string, origin?: string): void {
    for (const notice of this.listeners.get(scope) ?? []) notice(origin);
  }
  /** The holders of the current leases stop answering (as a SIGKILLed or frozen process): their claims never settle. */
  freeze(): void {
    for (const lease of this.leases.values()) this.frozen.add(lease.holder);
  }
  private readonly frozen = new Set<string>();
  private check(): void {
    if (this.down) throw new Error('connection refused');
  }
}

/** A coordinator that shares `snapshotFor` results, and whose publishes wait while `held` (a slow round trip). */
class SharingCoordinator extends MemoryCoordinator {
  readonly shared = new Map<string, EvalResult[]>();
  held: Promise<void> | undefined;
  override async getShared(key: string): Promise<EvalResult[] | undefined> {
    return this.shared.get(key);
  }
  override async putShared(key: string, flags: EvalResult[]): Promise<void> {
    this.shared.set(key, flags);
  }
  override async publish(scope: string, holder: string, record: FleetRecord): Promise<boolean> {
    await this.held;
    return super.publish(scope, holder, record);
  }
}

/** A coordinator whose first `failures` subscriptions fail (a refused SUBSCRIBE). */
class FlakyListen extends MemoryCoordinator {
  failures = 1;
  override async listen(scope: string, notice: (origin?: string) => void): Promise<() => void> {
    if ((this.failures -= 1) >= 0) throw new Error('subscribe refused');
    return super.listen(scope, notice);
  }
}

/** A leader `a` and a follower `b` on one store. */
/** Two members on `store`, the second joining once the first has claimed (`second`: what it holds). */
async function pair<S extends FleetCoordinator>(store: S, second?: EvalResult[]) {
  const a = linkMember(store);
  await vi.advanceTimersByTimeAsync(0);
  const b = linkMember(store, second);
  await vi.advanceTimersByTimeAsync(0);
  return { store, a, b };
}


describe('FleetLink (fake time, in-memory coordinator)', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('one leader runs the engine; followers apply each published version once, in order', async () => {
    const { a, b } = await pair(new MemoryCoordinator());
    expect([a.role(), a.seen.engine, b.role(), b.seen.engine]).toEqual(['leader', true, 'follower', false]);
    a.link.changed([flag(false)]);
    a.link.changed([flag(true)]);
    b.link.changed([flag(false)]); // a follower never publishes
    await vi.advanceTimersByTimeAsync(0);
    // The leader shared what it held when it took the lease, then each change.
    expect(b.seen.received).toEqual([[flag(true)], [flag(false)], [flag(true)]]);
    // Ticks re-read the snapshot but apply nothing older or equal.
    await vi.advanceTimersByTimeAsync(LEASE_MS * 2);
    expect(b.seen.received).toHaveLength(3);
    expect([a.role(), b.role()]).toEqual(['leader', 'follower']);
    a.link.close();
    b.link.close();
  });

  it('the leader renews every leaseMs / 3; a follower takes over once the leader stops renewing', async () => {
    const { store, a, b } = await pair(new MemoryCoordinator());
    store.claims = 0;
    await vi.advanceTimersByTimeAsync(LEASE_MS);
    expect(store.claims).toBeGreaterThanOrEqual(3 + 2); // the leader's 3 renewals, the follower's 2–3 tries
    a.link.close(); // stops renewing and releases
    await vi.advanceTimersByTimeAsync(LEASE_MS / 3 * 1.2);
    expect(b.role()).toBe('leader');
    expect(b.seen.engine).toBe(true);
    b.link.close();
  });

  it('a leader that finds its lease taken steps down and stops its engine', async () => {
    const store = new MemoryCoordinator();
    const a = linkMember(store);
    await vi.advanceTimersByTimeAsync(0);
    store.steal();
    await vi.advanceTimersByTimeAsync(LEASE_MS / 3);
    expect(a.seen.roles).toEqual(['leader', 'follower']);
    expect(a.seen.engine).toBe(false);
    a.link.close();
  });

  it('a leader that hears a notice after another took its lease (a newer term) follows at once, not at its next renewal', async () => {
    const { store, a, b } = await pair(new MemoryCoordinator());
    const [scope] = [...store.records.keys()];
    store.steal();
    store.notify(scope!, 'thief'); // the new leader's heartbeat or snapshot
    await vi.advanceTimersByTimeAsync(0);
    expect([a.seen.roles, a.seen.engine, b.role()]).toEqual([['leader', 'follower'], false, 'follower']);
    a.link.close();
    b.link.close();
  });

  it("a leader's own claims and publishes are no news to it: 10 changes 10 ms apart cost no claim beyond its renewals", async () => {
    const { store, a, b } = await pair(new MemoryCoordinator());
    store.claims = 0;
    for (let i = 0; i < 10; i += 1) {
      a.link.changed([flag(i % 2 === 1)]);
      await vi.advanceTimersByTimeAsync(10);
    }
    expect(store.claims).toBe(0); // the first renewal is due at leaseMs / 3
    expect(b.seen.received.slice(-10)).toEqual(Array.from({ length: 10 }, (_, i) => [flag(i % 2 === 1)]));
    expect([a.role(), b.role()]).toEqual(['leader', 'follower']);
    a.link.close();
    b.link.close();
  });

  it('a won lease whose subscription fails is still led (not solo with the lease held): followers get its flags, and it listens from its next renewal', async () => {
    const { store, a, b } = await pair(new FlakyListen());
    expect([a.seen.roles, a.seen.engine, b.seen.roles, b.seen.engine]).toEqual([['leader'], true, ['follower'], false]);
    expect(a.seen.warnings).toEqual(['fleet: notices not heard: subscribe refused']);
    expect(b.seen.received).toEqual([[flag(true)]]);
    expect(b.seen.mirrored.at(-1)).toEqual({ state: 'ready' });
    a.link.changed([flag(false)]);
    await vi.advanceTimersByTimeAsync(LEASE_MS / 3);
    expect(b.seen.received.at(-1)).toEqual([flag(false)]);
    // Subscribed at its renewal: another's leadership reaches it at once again.
    store.steal();
    store.notify([...store.records.keys()][0]!, 'thief');
    await vi.advanceTimersByTimeAsync(0);
    expect([a.seen.roles, a.seen.engine]).toEqual([['leader', 'follower'], false]);
    a.link.close();
    b.link.close();
  });

  it('store failures make every member solo (engine on); when the store is back one leads again', async () => {
    const { store, a, b } = await pair(new MemoryCoordinator());
    store.down = true;
    await vi.advanceTimersByTimeAsync(LEASE_MS / 3 * 1.2);
    expect([a.role(), b.role(), a.seen.engine, b.seen.engine]).toEqual(['solo', 'solo', true, true]);
    store.down = false;
    await vi.advanceTimersByTimeAsync(LEASE_MS / 3 * 1.2);
    expect([a.role(), b.role()].sort()).toEqual(['follower', 'leader']);
    const follower = a.role() === 'follower' ? a : b;
    expect(follower.seen.engine).toBe(false);
    // The leader was running already: it shared what it had at once.
    expect(follower.seen.received.at(-1)).toEqual([flag(true)]);
    a.link.close();
    b.link.close();
  });

  it('lost store state: whoever re-claims the absent lease republishes under a new epoch; followers apply it whatever its version', async () => {
    const { store, a, b } = await pair(new MemoryCoordinator(), [flag(false)]);
    for (const value of [false, true, false, true]) a.link.changed([flag(value)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(store.records.values().next().value?.version).toBe(5);
    store.wipe();
    await vi.advanceTimersByTimeAsync(LEASE_MS / 3 * 1.2);
    const [leader, follower] = a.role() === 'leader' ? [a, b] : [b, a];
    expect(follower.role()).toBe('follower');
    const record = store.records.values().next().value!;
    expect(record.version).toBe(1); // a new epoch starts again at 1
    expect(follower.seen.received.at(-1)).toEqual(record.flags);
    leader.link.changed([flag(false)]);
    leader.link.changed([flag(true)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(follower.seen.received.slice(-2)).toEqual([[flag(false)], [flag(true)]]);
    a.link.close();
    b.link.close();
  });

  it('a record of an older term than one applied (a lagging replica brought it back) is never applied: the follower claims at once instead', async () => {
    const { store, a, b } = await pair(new MemoryCoordinator());
    a.link.changed([flag(false)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(b.seen.received.at(-1)).toEqual([flag(false)]);
    const [scope] = [...store.records.keys()];
    const claims = store.claims;
    store.records.set(scope!, { epoch: 'dead.1', version: 7, term: 0, at: '', flags: [flag(true)] });
    store.notify(scope!);
    await vi.advanceTimersByTimeAsync(0);
    expect(store.claims).toBe(claims + 2); // the follower's at once, not on its next beat (and the leader's: a notice of unknown origin may be another's)
    await vi.advanceTimersByTimeAsync(LEASE_MS * 2);
    expect(b.seen.received.filter((flags) => flags[0]!.value)).toEqual([[flag(true)]]); // only the first snapshot, before the change
    expect([a.role(), b.role(), b.seen.received.at(-1)]).toEqual(['leader', 'follower', [flag(false)]]);
    a.link.changed([flag(true)]); // a newer record of the current term still arrives
    await vi.advanceTimersByTimeAsync(0);
    expect(b.seen.received.at(-1)).toEqual([flag(true)]);
  });

  it('a dead leader (no renewals) is replaced when its lease lapses: within leaseMs of its last renewal', async () => {
    const store = new MemoryCoordinator();
    const a = linkMember(store);
    await vi.advanceTimersByTimeAsync(0);
    const b = linkMember(store);
    await vi.advanceTimersByTimeAsync(LEASE_MS * 2 + 123); // some renewals, at an arbitrary phase
    store.freeze();
    const frozenAt = Date.now();
    while (b.role() !== 'leader') await vi.advanceTimersByTimeAsync(10);
    // The last renewal was at most leaseMs / 3 before the freeze: taken over within leaseMs of the freeze (+ jitter).
    expect(Date.now() - frozenAt).toBeLessThanOrEqual(LEASE_MS + 40);
    expect(Date.now() - frozenAt).toBeGreaterThanOrEqual((LEASE_MS * 2) / 3 - 40);
    expect(b.seen.engine).toBe(true);
    a.link.close();
    b.link.close();
  });

  it("followers mirror the leader's health as soon as it changes, with its error and since when", async () => {
    const { a, b } = await pair(new MemoryCoordinator());
    expect(b.seen.mirrored.at(-1)).toEqual({ state: 'ready' });
    const since = '2026-01-01T00:01:00.000Z';
    a.status.next({ ...a.status.value, state: 'stale', since, error: new NetworkError('connect ECONNREFUSED') });
    await vi.advanceTimersByTimeAsync(0); // no tick: the claim carrying the new health runs at once
    const mirrored = b.seen.mirrored.at(-1)!;
    expect(mirrored.state).toBe('stale');
    expect(mirrored.error).toBeInstanceOf(FleetLeaderError);
    expect(mirrored.error).toMatchObject({ leaderError: { name: 'NetworkError', message: 'connect ECONNREFUSED' }, since });
    a.status.next({ ...a.status.value, state: 'ready', error: undefined, since: '2026-01-01T00:02:00.000Z' });
    await vi.advanceTimersByTimeAsync(0);
    expect(b.seen.mirrored.at(-1)).toEqual({ state: 'ready' });
    a.link.close();
    b.link.close();
  });

  it("a leader stopped by a terminal error releases its lease with a farewell: a follower says why (status, event, log) and leads at once", async () => {
    const { store, a, b } = await pair(new MemoryCoordinator());
    a.link.stopped(new AuthError(401));
    await vi.advanceTimersByTimeAsync(0);
    expect(a.seen.roles.at(-1)).toBe('solo');
    expect(b.role()).toBe('leader');
    expect(b.seen.engine).toBe(true);
    // Between the release and its claim, the follower showed why its leader left; as leader it is itself again.
    const leftWith = { leaderError: { name: 'AuthError', message: new AuthError(401).message }, message: expect.stringMatching(/^fleet leader left: AuthError: /) };
    expect(b.seen.mirrored).toContainEqual({ state: 'error', error: expect.objectContaining(leftWith) });
    expect(b.seen.mirrored.at(-1)).toBeUndefined();
    expect(b.seen.events).toEqual([{ type: 'error', at: expect.any(String), error: expect.objectContaining(leftWith) }]);
    expect(b.seen.events[0]!.error).toBeInstanceOf(FleetLeaderError);
    expect(b.seen.warnings).toEqual([expect.stringMatching(/^fleet leader left: AuthError: .*; another process takes over$/)]);
    // The stopped process claims no more.
    store.claims = 0;
    await vi.advanceTimersByTimeAsync(LEASE_MS);
    expect(store.claims).toBeLessThanOrEqual(4); // b's renewals only
    a.link.close();
    b.link.close();
  });

  it("a leader's snapshotFor right after a change it learned of is not the shared result from before it, however slow the publish", async () => {
    const store = new SharingCoordinator(); // the only fleet state this test needs is the leader's
    const a = linkMember(store);
    await vi.advanceTimersByTimeAsync(0);
    const other = { userId: 'u-2' };
    expect(await a.link.snapshotFor(other, async () => [flag(true)])).toEqual([flag(true)]);
    let release!: () => void;
    store.held = new Promise<void>((resolve) => (release = resolve));
    a.link.changed(); // a stream event: the other context's flags changed on the server
    const after = a.link.snapshotFor(other, async () => [flag(false)]);
    await vi.advanceTimersByTimeAsync(0);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(await after).toEqual([flag(false)]);
    a.link.close();
  });

  it('a change the leader learns of (a stream event) is a new version even when its own flags did not change', async () => {
    const { store, a, b } = await pair(new MemoryCoordinator());
    const before = store.records.values().next().value!.version;
    a.link.changed();
    await vi.advanceTimersByTimeAsync(0);
    expect(store.records.values().next().value!.version).toBe(before + 1);
    expect(b.seen.received).toHaveLength(2);
    b.link.changed(); // a follower learns of changes from its leader only
    await vi.advanceTimersByTimeAsync(0);
    expect(store.records.values().next().value!.version).toBe(before + 1);
    a.link.close();
    b.link.close();
  });
});
