/**
 * The tab fleet in fake time: FleetLinks on TabCoordinators over an in-memory origin (Web Locks and
 * BroadcastChannel fakes). One leader per scope, snapshots and health reaching followers, the
 * next tab leading at once when the leader's tab closes, context switches, and solo without Web Locks.
 */
import { BehaviorSubject, Subscription, asyncScheduler, type SchedulerLike } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthError, ConfigError, FleetLeaderError } from '../../lib/errors.js';
import type { ContextSwitch } from '../../lib/client/engine/load-engine.js';
import type { FleetClient } from '../../lib/client/features/fleet-contract.js';
import { TabCoordinator, type TabPlatform } from '../../lib/stores/fleet/tab-coordinator.js';
import { tabFleet } from '../../lib/stores/index.js';
import type { ClientStatus, FleetRole } from '../../lib/types.js';
import { FakeOrigin } from './fake-tabs.js';
import { flag, linkMember } from './link-member.js';

const LEASE_MS = 3_000;

/** A tab's coordinator on `platform`, with the fleet's options of these specs. */
const tabCoordinator = (platform: TabPlatform): TabCoordinator => new TabCoordinator(platform, { name: 'default', leaseMs: LEASE_MS, timeoutMs: 1_000 });

/** A tab: its own coordinator on the shared origin, and one client's link. */
function tab(origin: FakeOrigin, id: number, scheduler?: SchedulerLike) {
  return linkMember(tabCoordinator(origin.tab(id)), undefined, scheduler);
}

/** A tab whose page can hang (`origin.hang(id)`): its timers, like its messages and lock callbacks, wait until it resumes. */
function hangingTab(origin: FakeOrigin, id: number) {
  const scheduler = origin.scheduler(id);
  return linkMember(tabCoordinator({ ...origin.tab(id), scheduler }), undefined, scheduler);
}

/** The timers of a background tab at their most throttled: none of them fires. */
const stalled: SchedulerLike = { now: () => Date.now(), schedule: () => new Subscription() };

async function threeTabs() {
  const origin = new FakeOrigin();
  const tabs: Array<ReturnType<typeof tab>> = [];
  for (const id of [1, 2, 3]) {
    tabs.push(tab(origin, id));
    await vi.advanceTimersByTimeAsync(10);
  }
  return { origin, tabs: tabs as [ReturnType<typeof tab>, ReturnType<typeof tab>, ReturnType<typeof tab>] };
}

/** Two tabs' coordinators on one scope: tab 1's holder `a` leads, tab 2's holder `b` is queued behind it. */
async function leaderAndFollower() {
  const origin = new FakeOrigin();
  const [leader, follower] = [1, 2].map((id) => tabCoordinator(origin.tab(id))) as [TabCoordinator, TabCoordinator];
  const held = leader.claim('s', 'a', health, unpublished);
  await vi.advanceTimersByTimeAsync(10);
  expect((await held).held).toBe(true);
  const queued = follower.claim('s', 'b', health, unpublished);
  await vi.advanceTimersByTimeAsync(10);
  expect((await queued).held).toBe(false);
  return { origin, leader, follower, term: (await held).term! };
}

/** A ready leader's heartbeat. */
const health = { state: 'ready' as const, since: '' };
/** What a claimant that has published nothing and heard of no leadership says. */
const unpublished = { epoch: '', version: 0, term: 0 };

describe('tab fleet (fake Web Locks and BroadcastChannel, fake time)', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('three tabs: one leads (engine on), two follow and apply each snapshot once, in order', async () => {
    const { origin, tabs } = await threeTabs();
    expect(tabs.map((t) => [t.role(), t.seen.engine])).toEqual([['leader', true], ['follower', false], ['follower', false]]);
    // A joining tab asked and got what the leader held.
    expect(tabs[1]!.seen.received).toEqual([[flag(true)]]);
    tabs[0]!.link.changed([flag(false)]);
    tabs[0]!.link.changed([flag(true)]);
    await vi.advanceTimersByTimeAsync(10);
    for (const follower of tabs.slice(1)) expect(follower.seen.received).toEqual([[flag(true)], [flag(false)], [flag(true)]]);
    // Renewals keep everyone in place; the liveness asks and answers carry no snapshot (the
    // followers have it), about one of each per third of a lease; nothing is applied twice.
    const posted = origin.posted;
    await vi.advanceTimersByTimeAsync(LEASE_MS * 3);
    const checks = origin.sent.slice(posted);
    expect(checks.length).toBeLessThanOrEqual(2 * 12);
    expect(checks.filter((message) => 'record' in (message as object))).toEqual([]);
    expect(tabs.map((t) => t.role())).toEqual(['leader', 'follower', 'follower']);
    expect(tabs[2]!.seen.received).toHaveLength(3);
    for (const t of tabs) t.link.close();
  });

  it('a leader’s own publishes are no news to it: 10 changes 10 ms apart cost no claim and post one beat each', async () => {
    const origin = new FakeOrigin();
    const coordinator = tabCoordinator(origin.tab(1));
    const claim = vi.spyOn(coordinator, 'claim');
    const leader = linkMember(coordinator);
    await vi.advanceTimersByTimeAsync(10);
    const follower = tab(origin, 2);
    await vi.advanceTimersByTimeAsync(10);
    expect([leader.role(), follower.role()]).toEqual(['leader', 'follower']);
    const [claims, posted] = [claim.mock.calls.length, origin.posted];
    for (let i = 0; i < 10; i += 1) {
      leader.link.changed([flag(i % 2 === 1)]);
      await vi.advanceTimersByTimeAsync(10);
    }
    expect(claim.mock.calls.length - claims).toBe(0); // the first renewal is due at leaseMs / 3
    expect(origin.sent.slice(posted).map((message) => (message as { kind: string }).kind)).toEqual(Array(10).fill('beat'));
    expect(follower.seen.received.slice(-10)).toEqual(Array.from({ length: 10 }, (_, i) => [flag(i % 2 === 1)]));
    leader.link.close();
    follower.link.close();
  });

  it('followers mirror the leader’s upstream health', async () => {
    const { tabs } = await threeTabs();
    const [leader, follower] = tabs;
    leader.status.next({ state: 'stale', source: 'network', circuit: 'open', streaming: false, since: '2026-01-01T00:01:00.000Z', error: new Error('upstream 503') });
    await vi.advanceTimersByTimeAsync(10);
    expect(follower.seen.mirrored.at(-1)?.state).toBe('stale');
    expect(follower.seen.mirrored.at(-1)?.error).toBeInstanceOf(FleetLeaderError);
    expect(follower.seen.mirrored.at(-1)?.error?.message).toContain('upstream 503');
    leader.status.next({ state: 'ready', source: 'network', circuit: 'closed', streaming: true, since: '2026-01-01T00:02:00.000Z' });
    await vi.advanceTimersByTimeAsync(10);
    expect(follower.seen.mirrored.at(-1)).toEqual({ state: 'ready' });
    for (const t of tabs) t.link.close();
  });

  it('a leader whose timers stall (a background tab) still answers from its message handler: it is followed, ready', async () => {
    const origin = new FakeOrigin();
    const leader = tab(origin, 1, stalled);
    await vi.advanceTimersByTimeAsync(10);
    const follower = tab(origin, 2);
    await vi.advanceTimersByTimeAsync(10);
    expect([leader.role(), follower.role()]).toEqual(['leader', 'follower']);
    await vi.advanceTimersByTimeAsync(LEASE_MS * 5);
    expect(follower.seen.mirrored.filter((health) => health?.state !== 'ready')).toEqual([]);
    expect([follower.role(), follower.seen.engine]).toEqual(['follower', false]);
    leader.link.changed([flag(false)]);
    await vi.advanceTimersByTimeAsync(10);
    expect(follower.seen.received.at(-1)).toEqual([flag(false)]);
    leader.link.close();
    follower.link.close();
  });

  it('a hung leader (it holds the lock, answers nothing: a long task, a paused debugger): within a lease and a tick a follower takes the lock and leads; the hung tab, running again, follows', async () => {
    const { origin, tabs } = await threeTabs();
    const [first, second, third] = tabs;
    origin.mute(1);
    const mutedAt = Date.now();
    while (second.role() !== 'leader' && third.role() !== 'leader') {
      expect(Date.now() - mutedAt).toBeLessThan(LEASE_MS * 2);
      await vi.advanceTimersByTimeAsync(50);
    }
    // Within a lease and a tick of its last answer (the claim comes before the read that would say stale).
    expect(Date.now() - mutedAt).toBeLessThanOrEqual(LEASE_MS * (1 + 1 / 3 * 1.2) + 300);
    origin.resume(1); // the hung page runs again: its lock is gone
    await vi.advanceTimersByTimeAsync(LEASE_MS / 2);
    // (Had both followers stolen, one after the other, the first followed as soon as its lock was taken.)
    const [next, other] = second.role() === 'leader' ? [second, third] : [third, second];
    expect(next.seen.engine).toBe(true); // it loads: a change made meanwhile reaches the fleet
    expect([first.role(), first.seen.engine, other.role(), other.seen.engine]).toEqual(['follower', false, 'follower', false]);
    next.link.changed([flag(false)]);
    await vi.advanceTimersByTimeAsync(10);
    for (const follower of [first, other]) {
      expect(follower.seen.received.at(-1)).toEqual([flag(false)]);
      expect(follower.seen.mirrored.at(-1)).toEqual({ state: 'ready' });
    }
    await vi.advanceTimersByTimeAsync(LEASE_MS * 3);
    expect([first, second, third].filter((t) => t.role() === 'leader')).toEqual([next]);
    for (const t of tabs) t.link.close();
  });

  it('a hung leader resumes after a follower took its lock: it answers the asks that waited with its old snapshot before it learns the lock is gone, and no follower applies it', async () => {
    const origin = new FakeOrigin();
    const first = tab(origin, 1);
    await vi.advanceTimersByTimeAsync(10);
    const [second, third] = [tab(origin, 2), tab(origin, 3)];
    await vi.advanceTimersByTimeAsync(10);
    origin.hang(1);
    await vi.waitFor(() => expect([second.role(), third.role()].sort()).toEqual(['follower', 'leader']), { timeout: LEASE_MS * 2, interval: 50 });
    // Both may have stolen, one after the other: the first then follows as soon as its lock is taken. A lease
    // later the roles are settled.
    await vi.advanceTimersByTimeAsync(LEASE_MS);
    expect([second.role(), third.role()].sort()).toEqual(['follower', 'leader']);
    const [next, other] = second.role() === 'leader' ? [second, third] : [third, second];
    next.link.changed([flag(false)]); // the new leader's first load found a change
    await vi.advanceTimersByTimeAsync(LEASE_MS); // the follower asks meanwhile, holding the new snapshot
    expect(other.seen.received.at(-1)).toEqual([flag(false)]);
    const applied = other.seen.received.length;
    origin.resume(1);
    await vi.advanceTimersByTimeAsync(LEASE_MS * 2);
    expect(other.seen.received.slice(applied)).toEqual([]);
    expect([other.role(), other.seen.mirrored.at(-1)]).toEqual(['follower', { state: 'ready' }]);
    // The resumed tab follows the new leader and serves its snapshot.
    expect([first.role(), first.seen.engine, first.seen.received.at(-1)]).toEqual(['follower', false, [flag(false)]]);
    expect([first, second, third].filter((t) => t.role() === 'leader')).toEqual([next]);
    for (const t of [first, second, third]) t.link.close();
  });

  it('the lock goes to the next tab while its page hangs, and a third steals it: the resumed tab, granted first, follows, and no follower goes back to its old snapshot', async () => {
    const origin = new FakeOrigin();
    const first = tab(origin, 1);
    await vi.advanceTimersByTimeAsync(10);
    const second = hangingTab(origin, 2); // next in line for the lock
    await vi.advanceTimersByTimeAsync(10);
    const stealer = tab(origin, 3);
    await vi.advanceTimersByTimeAsync(10);
    // A background tab whose timers stall: it claims only when it hears something, so the third tab alone steals.
    const other = tab(origin, 4, stalled);
    await vi.advanceTimersByTimeAsync(10);
    origin.hang(2);
    origin.close(1); // the lock goes to the hung page: its callback waits until the page runs
    first.link.close();
    await vi.waitFor(() => expect(stealer.role()).toBe('leader'), { timeout: LEASE_MS * 2, interval: 50 });
    expect([stealer.seen.engine, other.role()]).toEqual([true, 'follower']);
    stealer.link.changed([flag(false)]); // its first load found a change
    await vi.advanceTimersByTimeAsync(10);
    expect(other.seen.received.at(-1)).toEqual([flag(false)]);
    const applied = other.seen.received.length;
    origin.resume(2); // the grant's callback runs first, then the steal's AbortError
    const roles = new Set<string | undefined>();
    for (let waited = 0; waited < LEASE_MS * 2; waited += 10) {
      await vi.advanceTimersByTimeAsync(10);
      roles.add(`${stealer.role()} ${other.role()} ${other.seen.mirrored.at(-1)?.state}`);
    }
    expect([...roles]).toEqual(['leader follower ready']);
    expect(other.seen.received.slice(applied)).toEqual([]);
    expect([second.role(), second.seen.engine, second.seen.received.at(-1)]).toEqual(['follower', false, [flag(false)]]);
    expect([second, stealer, other].filter((t) => t.role() === 'leader')).toEqual([stealer]);
    for (const t of [second, stealer, other]) t.link.close();
  });

  it('a leader whose lock another tab steals (its request fails with an AbortError) follows at once, not at its next claim (its timers stall: it has none), then the tab that leads next', async () => {
    const origin = new FakeOrigin();
    const leader = tab(origin, 1, stalled);
    await vi.advanceTimersByTimeAsync(10);
    const follower = tab(origin, 2);
    await vi.advanceTimersByTimeAsync(10);
    expect([leader.role(), follower.role()]).toEqual(['leader', 'follower']);
    const [name] = origin.names();
    origin.tab(3).locks.request(name!, { steal: true }, () => new Promise<void>(() => {})).catch(() => undefined); // held, silent (until stolen in turn)
    await vi.advanceTimersByTimeAsync(10);
    expect([leader.role(), leader.seen.engine]).toEqual(['follower', false]);
    // Nobody answers for a lease: the follower takes the lock in turn, leads and shares a change; the deposed tab applies it.
    await vi.waitFor(() => expect(follower.role()).toBe('leader'), { timeout: LEASE_MS * 2, interval: 50 });
    follower.link.changed([flag(false)]);
    await vi.advanceTimersByTimeAsync(10);
    expect([leader.role(), leader.seen.engine, leader.seen.received.at(-1), leader.seen.mirrored.at(-1)]).toEqual(['follower', false, [flag(false)], { state: 'ready' }]);
    expect(leader.seen.roles).toEqual(['leader', 'follower']);
    leader.link.close();
    follower.link.close();
  });

  it('a hung leader (its timers stall) resumed after a follower took its lock follows at once: it hears the newer term, then the AbortError, and applies the new leader’s snapshot', async () => {
    const origin = new FakeOrigin();
    const first = tab(origin, 1, stalled);
    await vi.advanceTimersByTimeAsync(10);
    const second = tab(origin, 2);
    await vi.advanceTimersByTimeAsync(10);
    origin.hang(1);
    await vi.waitFor(() => expect(second.role()).toBe('leader'), { timeout: LEASE_MS * 2, interval: 50 });
    second.link.changed([flag(false)]);
    await vi.advanceTimersByTimeAsync(10);
    origin.resume(1);
    await vi.advanceTimersByTimeAsync(10);
    expect([first.role(), first.seen.engine, first.seen.received.at(-1), first.seen.mirrored.at(-1)]).toEqual(['follower', false, [flag(false)], { state: 'ready' }]);
    await vi.advanceTimersByTimeAsync(LEASE_MS * 2);
    expect([first.role(), second.role()]).toEqual(['follower', 'leader']);
    first.link.close();
    second.link.close();
  });

  it('navigator.locks.query() failing when the lock is granted leaves it unknown: the tab keeps following (no solo, no unhandled rejection) and leads at a later claim once the query answers', async () => {
    const origin = new FakeOrigin();
    const first = tab(origin, 1);
    await vi.advanceTimersByTimeAsync(10);
    const platform = origin.tab(2);
    let failing = true;
    const locks = { request: platform.locks.request, query: () => (failing ? Promise.reject(new Error('query refused')) : platform.locks.query()) };
    const second = linkMember(tabCoordinator({ ...platform, locks }));
    await vi.advanceTimersByTimeAsync(10);
    origin.close(1); // the lock goes to the second tab, whose query fails
    first.link.close();
    await vi.advanceTimersByTimeAsync(LEASE_MS);
    expect([second.role(), second.seen.engine, second.seen.warnings]).toEqual(['follower', false, []]);
    failing = false;
    // Two claims at most (each a third of a lease ± 20 %): the first may find the lock it asked for
    // again not granted yet; by the next it is, and the query answers.
    await vi.advanceTimersByTimeAsync((LEASE_MS / 3) * 2.4 + 20);
    expect([second.role(), second.seen.engine]).toEqual(['leader', true]);
    expect(second.seen.roles).toEqual(['follower', 'leader']);
    second.link.close();
  });

  it('two tabs that steal the lock in the same millisecond, having heard the same term, get different terms: the older leadership steps down', async () => {
    // Each holds a lock of its own origin (as two steals granted one after the other), and hears the other on one channel.
    const channels = new FakeOrigin();
    const [a, b] = [1, 2].map((id) => tabCoordinator({ ...new FakeOrigin().tab(id), channel: channels.tab(id).channel })) as [TabCoordinator, TabCoordinator];
    const claims = [a.claim('s', 'a', health, { ...unpublished, term: 7 }), b.claim('s', 'b', health, { ...unpublished, term: 7 })];
    await vi.advanceTimersByTimeAsync(10);
    const [first, second] = await Promise.all(claims);
    // Both new leaderships (each term above the 7 its holder knew), and not the same.
    expect([first!.held, first!.term! > 7, second!.held, second!.term! > 7]).toEqual([true, true, true, true]);
    expect(first!.term).not.toBe(second!.term);
    const record = { epoch: 'x.1', version: 1, at: '', flags: [] };
    const published = await Promise.all([a.publish('s', 'a', record), b.publish('s', 'b', record)]);
    expect(published).toEqual([first!.term! > second!.term!, second!.term! > first!.term!]);
    await Promise.all([a.close(), b.close()]);
  });

  it('a leader silent for a whole lease is not vouched for: read() shows no heartbeat (its followers say stale), and the next claim steals the lock', async () => {
    const { origin, leader, follower, term } = await leaderAndFollower();
    const read = follower.read('s');
    await vi.advanceTimersByTimeAsync(10);
    expect((await read).leader).toEqual(health);
    origin.mute(1);
    const silent = follower.read('s');
    await vi.advanceTimersByTimeAsync(LEASE_MS);
    expect((await silent).leader).toEqual(health); // heard within the lease
    const late = follower.read('s');
    await vi.advanceTimersByTimeAsync(300);
    expect((await late).leader).toBeUndefined();
    const taken = follower.claim('s', 'b', health, unpublished); // asks once more first, unanswered
    await vi.advanceTimersByTimeAsync(300);
    expect(await taken).toMatchObject({ held: true, term: expect.any(Number) });
    expect((await taken).term).toBeGreaterThan(term); // a new leadership
    expect(await leader.publish('s', 'a', { epoch: 'a.1', version: 1, at: '', flags: [] })).toBe(false);
    await Promise.all([leader.close(), follower.close()]);
  });

  it('a tab whose clock steps back (NTP, by hand) still steals a silent leader\'s lock within a lease, and keeps a lock granted from the queue while it claims: leases are timed by the page\'s monotonic clock', async () => {
    const { origin, leader, follower } = await leaderAndFollower();
    const unlisten = await follower.listen('s', () => undefined); // as its link does
    const read = follower.read('s');
    await vi.advanceTimersByTimeAsync(10);
    expect((await read).leader).toEqual(health);
    origin.mute(1);
    vi.setSystemTime(Date.now() - 3_600_000); // Date.now() goes back an hour; performance.now() does not
    await vi.advanceTimersByTimeAsync(LEASE_MS);
    const late = follower.read('s');
    await vi.advanceTimersByTimeAsync(300);
    expect((await late).leader).toBeUndefined(); // silent for a lease: not vouched for
    const taken = follower.claim('s', 'b', health, unpublished);
    await vi.advanceTimersByTimeAsync(300);
    expect((await taken).held).toBe(true);
    // A lock granted from the queue (its holder's tab closed), then claimed after another step back:
    // the claims go on, so it is not given back as a holder's that stopped claiming.
    const next = await leaderAndFollower();
    const unlistenNext = await next.follower.listen('s', () => undefined);
    next.origin.close(1);
    await vi.advanceTimersByTimeAsync(10);
    vi.setSystemTime(Date.now() - 3_600_000);
    const terms = new Set<number | undefined>();
    for (let i = 0; i < 6; i += 1) {
      const renewed = next.follower.claim('s', 'b', health, unpublished);
      await vi.advanceTimersByTimeAsync(10);
      expect((await renewed).held).toBe(true);
      terms.add((await renewed).term);
      await vi.advanceTimersByTimeAsync(LEASE_MS / 3);
    }
    expect(terms.size).toBe(1); // one leadership: never let go and taken afresh
    unlistenNext();
    await next.follower.close();
    unlisten();
    await Promise.all([leader.close(), follower.close()]);
  });

  it('a follower that leaves the scope while it asks a silent leader (an identify()) does not take the lock: it would hold it for nobody', async () => {
    const { origin, leader, follower } = await leaderAndFollower();
    const unlisten = await follower.listen('s', () => undefined);
    origin.mute(1);
    await vi.advanceTimersByTimeAsync(LEASE_MS);
    const claimed = follower.claim('s', 'b', health, unpublished); // asks, unanswered
    await vi.advanceTimersByTimeAsync(100);
    unlisten(); // its queued request is withdrawn
    await vi.advanceTimersByTimeAsync(300);
    expect((await claimed).held).toBe(false);
    expect(await leader.publish('s', 'a', { epoch: 'a.1', version: 1, at: '', flags: [] })).toBe(true);
    await Promise.all([leader.close(), follower.close()]);
    await vi.advanceTimersByTimeAsync(10);
    expect(origin.names()).toEqual([]);
  });

  it('a follower that was busy (it ran nothing for over a lease) asks before it takes the lock: a leader that answers keeps it', async () => {
    const { leader, follower } = await leaderAndFollower();
    await vi.advanceTimersByTimeAsync(LEASE_MS * 2); // the follower runs nothing meanwhile; the leader had nothing to say
    const claimed = follower.claim('s', 'b', health, unpublished);
    await vi.advanceTimersByTimeAsync(300);
    expect((await claimed).held).toBe(false);
    expect(await leader.publish('s', 'a', { epoch: 'a.1', version: 1, at: '', flags: [] })).toBe(true);
    await Promise.all([leader.close(), follower.close()]);
  });

  it('the leader’s tab closes: the next tab leads at once, republishes and loads; the third follows it', async () => {
    const { origin, tabs } = await threeTabs();
    const [first, second, third] = tabs;
    origin.close(1); // no release, no goodbye: the browser frees the lock
    const closedAt = Date.now();
    await vi.waitFor(() => expect(second.role()).toBe('leader'), { timeout: 1_000, interval: 1 });
    await vi.advanceTimersByTimeAsync(10);
    expect(Date.now() - closedAt).toBeLessThan(100);
    expect(second.seen.engine).toBe(true); // its first load picks up a change made meanwhile
    expect(third.role()).toBe('follower');
    second.link.changed([flag(false)]);
    await vi.advanceTimersByTimeAsync(10);
    expect(third.seen.received.at(-1)).toEqual([flag(false)]);
    expect(first.role()).toBe('leader'); // the closed tab is gone; nothing more reaches it
    second.link.close();
    third.link.close();
  });

  it('the leader’s page is frozen: it lets the lock go, the next tab leads at once; resumed, it follows', async () => {
    const { origin, tabs } = await threeTabs();
    const [first, second, third] = tabs;
    origin.freeze(1);
    await vi.advanceTimersByTimeAsync(20);
    expect([second.role(), second.seen.engine, third.role()]).toEqual(['leader', true, 'follower']);
    origin.resume(1);
    await vi.advanceTimersByTimeAsync(LEASE_MS / 3 * 1.2);
    expect([first.role(), first.seen.engine]).toEqual(['follower', false]);
    second.link.changed([flag(false)]);
    await vi.advanceTimersByTimeAsync(10);
    expect(first.seen.received.at(-1)).toEqual([flag(false)]);
    expect(third.seen.received.at(-1)).toEqual([flag(false)]);
    for (const t of tabs) t.link.close();
  });

  it('a lone leader’s page is frozen: it lets its lock go and takes none back while frozen, so a tab opened meanwhile leads at once', async () => {
    const origin = new FakeOrigin();
    const first = tab(origin, 1);
    await vi.advanceTimersByTimeAsync(10);
    origin.freeze(1);
    await vi.advanceTimersByTimeAsync(20);
    expect(origin.names()).toEqual([]);
    const second = tab(origin, 2);
    await vi.advanceTimersByTimeAsync(20);
    expect([second.role(), second.seen.engine]).toEqual(['leader', true]);
    origin.resume(1);
    await vi.advanceTimersByTimeAsync((LEASE_MS / 3) * 1.2);
    expect([first.role(), first.seen.engine]).toEqual(['follower', false]);
    first.link.close();
    second.link.close();
  });

  it('a leader stopped by a 401 says why it leaves: both followers report its AuthError once, one leads at once, the other follows it', async () => {
    const { tabs } = await threeTabs();
    const [first, second, third] = tabs;
    first.link.stopped(new AuthError(401));
    await vi.advanceTimersByTimeAsync(20);
    expect([first.role(), second.role(), third.role()]).toEqual(['solo', 'leader', 'follower']);
    // Each reports it once: the new leader at the latest with its next renewal (the lock may come before the message).
    await vi.advanceTimersByTimeAsync(LEASE_MS);
    for (const follower of [second, third]) {
      expect(follower.seen.events).toEqual([{ type: 'error', at: expect.any(String), error: expect.any(FleetLeaderError) }]);
      expect(follower.seen.events[0]!.error).toMatchObject({ leaderError: { name: 'AuthError' }, message: expect.stringMatching(/^fleet leader left: AuthError: /) });
    }
    // The follower mirrors the next leader (here it answered the follower's ask at once: ready).
    expect(third.seen.mirrored.at(-1)).toEqual({ state: 'ready' });
    second.link.changed([flag(false)]);
    await vi.advanceTimersByTimeAsync(10);
    expect(third.seen.received.at(-1)).toEqual([flag(false)]);
    for (const t of tabs) t.link.close();
  });

  it('close() releases the lock: a follower leads within a tick', async () => {
    const { tabs } = await threeTabs();
    tabs[0]!.link.close();
    await vi.advanceTimersByTimeAsync(20);
    expect(tabs.slice(1).map((t) => t.role()).sort()).toEqual(['follower', 'leader']);
  });

  it('close() stops listening for the page\'s freeze: the page keeps no closed coordinator', async () => {
    const { origin, tabs } = await threeTabs();
    expect([1, 2, 3].map((id) => origin.freezeListenerCount(id))).toEqual([1, 1, 1]);
    tabs[0]!.link.close();
    await vi.advanceTimersByTimeAsync(20);
    expect([1, 2, 3].map((id) => origin.freezeListenerCount(id))).toEqual([0, 1, 1]);
  });

  it('identify() in one tab moves only it: it leads its own scope, and gives up its place in the old queue', async () => {
    const { origin, tabs } = await threeTabs();
    const [first, second, third] = tabs;
    second.identify({ userId: 'u-2' });
    await vi.advanceTimersByTimeAsync(20);
    expect([first.role(), second.role(), third.role()]).toEqual(['leader', 'leader', 'follower']);
    expect(origin.names()).toHaveLength(2);
    first.link.changed([flag(false)]);
    await vi.advanceTimersByTimeAsync(10);
    expect(third.seen.received.at(-1)).toEqual([flag(false)]);
    expect(second.seen.received).toEqual([[flag(true)]]); // only what it got before it switched
    origin.close(1);
    await vi.advanceTimersByTimeAsync(20);
    expect(third.role()).toBe('leader');
    second.link.close();
    third.link.close();
  });

  it('identify() before a tab’s first claim settles: the lock it won for the old scope is given back, and the next tab there leads and loads', async () => {
    const origin = new FakeOrigin();
    const first = tab(origin, 1);
    first.identify({ userId: 'u-1' }); // in the same task as its start: its claim of the anonymous scope is under way
    await vi.advanceTimersByTimeAsync(10);
    expect(origin.names()).toHaveLength(1);
    const second = tab(origin, 2);
    await vi.advanceTimersByTimeAsync(10);
    expect([first.role(), second.role(), second.seen.engine]).toEqual(['leader', 'leader', true]);
    first.link.close();
    second.link.close();
  });

  it('identify() before a tab’s first claim settles, behind a leader: its queued request is withdrawn, so the next tab leads at once when the leader’s tab closes', async () => {
    const origin = new FakeOrigin();
    const first = tab(origin, 1);
    await vi.advanceTimersByTimeAsync(10);
    const second = tab(origin, 2);
    second.identify({ userId: 'u-2' }); // its claim of the anonymous scope is under way: it will queue
    await vi.advanceTimersByTimeAsync(10);
    const third = tab(origin, 3);
    await vi.advanceTimersByTimeAsync(10);
    expect([first.role(), second.role(), third.role()]).toEqual(['leader', 'leader', 'follower']);
    origin.close(1);
    await vi.advanceTimersByTimeAsync(20);
    expect([third.role(), third.seen.engine]).toEqual(['leader', true]);
    second.link.close();
    third.link.close();
  });

  it('a lock granted to a tab that has left the scope is given back within a lease', async () => {
    const { origin } = await leaderAndFollower();
    expect(origin.names()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(LEASE_MS * 2); // 'b' never claims again
    origin.close(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(origin.names()).toEqual([]);
  });

  it('a lock released before the browser granted it is let go at once, not held by nobody', async () => {
    const origin = new FakeOrigin();
    const coordinator = tabCoordinator(origin.tab(1));
    const claimed = coordinator.claim('s', 'a', health, unpublished);
    await coordinator.release('s', 'a'); // the link left before the claim settled
    await vi.advanceTimersByTimeAsync(10);
    expect((await claimed).held).toBe(false);
    expect(origin.names()).toEqual([]);
  });

  it('without Web Locks (here: Node) every client is solo and loads itself', async () => {
    const seen = { engine: false, roles: [] as FleetRole[], warnings: [] as string[] };
    // The parts of the client the solo glue uses.
    const client = {
      options: { transport: { identity: 'test server' }, scheduler: asyncScheduler, logger: { warn: (message: string) => void seen.warnings.push(message), error() {} } },
      contexts: new BehaviorSubject<ContextSwitch>({ context: {}, first: true }),
      report: {
        status$: new BehaviorSubject<ClientStatus>({ state: 'initializing', source: 'none', circuit: 'closed', streaming: false, since: '' }),
        update: ({ role }: Partial<ClientStatus>) => void (role && seen.roles.push(role)),
        emit: () => undefined,
      },
      runEngine: () => void (seen.engine = true),
    } as unknown as FleetClient;
    const link = tabFleet().attach(client);
    link.start();
    await vi.advanceTimersByTimeAsync(10);
    await vi.advanceTimersByTimeAsync(LEASE_MS * 3);
    expect(seen).toEqual({ engine: true, roles: ['solo'], warnings: [] });
    link.close();
    expect(() => tabFleet({ name: '' })).toThrow(ConfigError);
  });
});
