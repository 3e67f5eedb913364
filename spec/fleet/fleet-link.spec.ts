/**
 * FleetLink in fake time, over an in-memory coordinator shared by several links: lease renewal,
 * takeover once a lease lapses, stepping down when the lease is lost, solo on store failures and
 * re-forming, and versions applied in order.
 */
import { BehaviorSubject, asyncScheduler } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FleetLink, type FleetCoordinator, type FleetRecord } from '../../lib/client/features/fleet-link.js';
import type { ContextSwitch } from '../../lib/client/engine/load-engine.js';
import type { EvalResult, FleetRole } from '../../lib/types.js';

const LEASE_MS = 3_000;

/** A coordinator in memory; `down` makes every call fail. */
class MemoryCoordinator implements FleetCoordinator {
  readonly leaseMs = LEASE_MS;
  readonly timeoutMs = 500;
  readonly sharedTtlMs = 10_000;
  down = false;
  claims = 0;
  private readonly leases = new Map<string, { holder: string; until: number }>();
  private readonly records = new Map<string, FleetRecord>();
  private readonly listeners = new Map<string, Set<() => void>>();

  async claim(scope: string, holder: string): Promise<boolean> {
    this.check();
    this.claims += 1;
    const lease = this.leases.get(scope);
    if (lease && lease.until > Date.now() && lease.holder !== holder) return false;
    this.leases.set(scope, { holder, until: Date.now() + this.leaseMs });
    return true;
  }
  async release(scope: string, holder: string): Promise<void> {
    if (this.leases.get(scope)?.holder === holder) this.leases.delete(scope);
  }
  async publish(scope: string, holder: string, record: Omit<FleetRecord, 'version'>): Promise<number | undefined> {
    this.check();
    const lease = this.leases.get(scope);
    if (!lease || lease.holder !== holder || lease.until <= Date.now()) return undefined;
    const version = (this.records.get(scope)?.version ?? 0) + 1;
    this.records.set(scope, { ...record, version });
    for (const notice of this.listeners.get(scope) ?? []) notice();
    return version;
  }
  async read(scope: string): Promise<FleetRecord | undefined> {
    this.check();
    return this.records.get(scope);
  }
  async listen(scope: string, notice: () => void): Promise<() => void> {
    this.check();
    const set = this.listeners.get(scope) ?? new Set();
    this.listeners.set(scope, set.add(notice));
    return () => set.delete(notice);
  }
  async getShared(): Promise<EvalResult[] | undefined> {
    return undefined;
  }
  async putShared(): Promise<void> {}
  async close(): Promise<void> {}
  /** Someone else takes the lease of every scope (as after a long pause of the holder). */
  steal(): void {
    for (const [scope] of this.leases) this.leases.set(scope, { holder: 'thief', until: Date.now() + this.leaseMs });
  }
  private check(): void {
    if (this.down) throw new Error('connection refused');
  }
}

/** One member: a link and a record of what it told its client. */
function member(store: MemoryCoordinator) {
  const seen = { engine: false, roles: [] as FleetRole[], received: [] as EvalResult[][] };
  const link = new FleetLink(store, {
    identity: 'test server',
    contexts: new BehaviorSubject<ContextSwitch>({ context: {}, first: true }),
    scheduler: asyncScheduler,
    logger: { warn() {}, error() {} },
    engine: (on) => void (seen.engine = on),
    received: (flags) => void seen.received.push(flags),
    current: () => [flag(true)],
    role: (role) => void seen.roles.push(role),
  });
  link.start();
  return { link, seen, role: () => seen.roles.at(-1) };
}

function flag(value: boolean): EvalResult {
  return { key: 'f', enabled: true, variant: String(value), value, reason: 'default', evaluatedAt: '2026-01-01T00:00:00Z', source: 'network' };
}

describe('FleetLink (fake time, in-memory coordinator)', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('one leader runs the engine; followers apply each published version once, in order', async () => {
    const store = new MemoryCoordinator();
    const a = member(store);
    await vi.advanceTimersByTimeAsync(0);
    const b = member(store);
    await vi.advanceTimersByTimeAsync(0);
    expect([a.role(), a.seen.engine, b.role(), b.seen.engine]).toEqual(['leader', true, 'follower', false]);
    a.link.published([flag(false)]);
    a.link.published([flag(true)]);
    b.link.published([flag(false)]); // a follower never publishes
    await vi.advanceTimersByTimeAsync(0);
    expect(b.seen.received).toEqual([[flag(false)], [flag(true)]]);
    // Ticks re-read the snapshot but apply nothing older or equal.
    await vi.advanceTimersByTimeAsync(LEASE_MS * 2);
    expect(b.seen.received).toHaveLength(2);
    expect([a.role(), b.role()]).toEqual(['leader', 'follower']);
    a.link.close();
    b.link.close();
  });

  it('the leader renews every leaseMs / 3; a follower takes over once the leader stops renewing', async () => {
    const store = new MemoryCoordinator();
    const a = member(store);
    await vi.advanceTimersByTimeAsync(0);
    const b = member(store);
    await vi.advanceTimersByTimeAsync(0);
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
    const a = member(store);
    await vi.advanceTimersByTimeAsync(0);
    store.steal();
    await vi.advanceTimersByTimeAsync(LEASE_MS / 3);
    expect(a.seen.roles).toEqual(['leader', 'follower']);
    expect(a.seen.engine).toBe(false);
    a.link.close();
  });

  it('store failures make every member solo (engine on); when the store is back one leads again', async () => {
    const store = new MemoryCoordinator();
    const a = member(store);
    await vi.advanceTimersByTimeAsync(0);
    const b = member(store);
    await vi.advanceTimersByTimeAsync(0);
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
});
