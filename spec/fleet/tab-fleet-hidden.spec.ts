/**
 * A tab fleet's one stream while the leader's page is hidden: real clients on a test source, their
 * links on TabCoordinators over the in-memory origin, a stand-in `document`, fake time.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFlagClient, type FlagClient } from '../../lib/index.js';
import { fleetHost } from '../../lib/client/features/fleet-host.js';
import { FleetLink, type FleetOption } from '../../lib/client/features/fleet-link.js';
import { TabCoordinator } from '../../lib/stores/fleet/tab-coordinator.js';
import { testSource } from '../../lib/testing/index.js';
import { silent } from '../support/virtual.js';
import { FakeOrigin } from './fake-tabs.js';

/** The part of `document` the visibility gate reads, hidden or shown by the spec. */
class PageDocument {
  visibilityState: 'visible' | 'hidden' = 'visible';
  readonly #listeners = new Set<() => void>();
  addEventListener(_type: string, listener: () => void): void {
    this.#listeners.add(listener);
  }
  removeEventListener(_type: string, listener: () => void): void {
    this.#listeners.delete(listener);
  }
  set(state: 'visible' | 'hidden'): void {
    this.visibilityState = state;
    for (const listener of [...this.#listeners]) listener();
  }
}

/** `tabFleet()` for tab `id` of `origin` (the real one reads the page's Web Locks and BroadcastChannel). */
function tabOf(origin: FakeOrigin, id: number): FleetOption {
  return { attach: (client) => new FleetLink(new TabCoordinator(origin.tab(id), { name: 'default', leaseMs: 3_000, timeoutMs: 1_000 }), fleetHost(client)) };
}

describe('a tab fleet whose leader’s page is hidden', () => {
  const doc = new PageDocument();
  let clients: FlagClient[] = [];

  beforeEach(() => {
    vi.useFakeTimers();
    (globalThis as { document?: unknown }).document = doc;
  });

  afterEach(() => {
    for (const client of clients) client.close();
    clients = [];
    delete (globalThis as { document?: unknown }).document;
    vi.useRealTimers();
  });

  it('keeps the one stream open: a change still reaches the tabs that follow it', async () => {
    const origin = new FakeOrigin();
    const source = testSource({ banner: 'old' });
    const member = (id: number): FlagClient => {
      const client = createFlagClient({ transport: source, pollIntervalMs: 0, hiddenCloseMs: 60_000, logger: silent, fleet: tabOf(origin, id) });
      clients.push(client);
      return client;
    };
    const leader = member(1);
    const leaderReady = leader.ready();
    await vi.advanceTimersByTimeAsync(2_000);
    const follower = member(2);
    const followerReady = follower.ready();
    await vi.advanceTimersByTimeAsync(2_000);
    expect([(await leaderReady).ok, (await followerReady).ok]).toEqual([true, true]);
    expect([leader.status.role, follower.status.role, source.openStreams]).toEqual(['leader', 'follower', 1]);

    doc.set('hidden'); // the leader's tab goes to the background (this spec has one page for both)
    await vi.advanceTimersByTimeAsync(120_000);
    source.set('banner', 'new');
    await vi.advanceTimersByTimeAsync(1_000);
    expect([follower.string('banner', ''), follower.status.state, source.openStreams]).toEqual(['new', 'ready', 1]);
  });
});
