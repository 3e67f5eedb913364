/**
 * tabFleet() in Chromium: tabs (pages of one browser context) of a page that bundles the client for
 * the browser, against the local server over loopback. One stream and one bulk request per change
 * however many tabs; the leader's tab closes → another streams within a second; identify() in one
 * tab moves only that tab; a leader whose page hangs loses its lock to a follower within a lease, and once it runs
 * again no tab goes back to the flags it held; a tab granted the lock while its page hung, after a third took it, follows
 * once it runs again; a leader whose lock another tab steals follows at once, and then the tab that leads next. (A frozen leader is covered in fake time by spec/fleet/tab-fleet.spec.ts:
 * headless Chromium does not fire `freeze` for CDP's Page.setWebLifecycleState.) Prints the streams and bulk requests per change for 1 and 3 tabs.
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startServer, type FlagServer } from '../../lib/server/index.js';
import { browserAvailable, launchBrowser } from '../support/browser.js';
import { bundlePage } from './page-bundle.js';
import { serveStatic, type StaticSite } from './static-server.js';

const lib = (path: string): string => JSON.stringify(resolve(import.meta.dirname, '../../lib', path));

/** A page whose client joins the tab fleet and shows its flag and role in the body's dataset. */
const PAGE_SCRIPT = `
import { createFlagClient, cuttlegate } from ${lib('index.ts')};
import { tabFleet } from ${lib('stores/index.ts')};
const client = createFlagClient({
  transport: cuttlegate({ serverUrl: location.origin, apiKey: 'cg_demo_production_0123456789abcdefghijklmnopqrstuvwx', project: 'demo', environment: 'production' }),
  pollIntervalMs: 0,
  // ?solo: the same page without the fleet (what every tab costs otherwise); ?hide: a short hiddenCloseMs.
  ...(location.search === '?solo' ? {} : { fleet: tabFleet() }),
  ...(location.search === '?hide' ? { hiddenCloseMs: 300 } : {}),
});
// Every value the page showed, in order (a tab that went back to an older one shows it here).
window.shown = [];
client.bool$('new-checkout', false).subscribe((on) => {
  document.body.dataset.newCheckout = String(on);
  window.shown.push(on);
});
// Every role and state the page said, in order.
window.said = [];
client.status$.subscribe((status) => {
  window.said.push((status.role ?? 'none') + ' ' + status.state + '/' + status.source);
  document.body.dataset.role = status.role ?? 'none';
  document.body.dataset.state = status.state + '/' + status.source;
});
window.identify = (context) => client.identify(context);
// The page's timers at their most throttled (a background tab): none set from now on fires.
window.stallTimers = () => { window.setInterval = () => 0; };
// Takes the fleet's lock as another tab may (Web Locks steal) and holds it without leading.
window.stealLock = async () => {
  const { held } = await navigator.locks.query();
  const { name } = held.find((lock) => lock.name.startsWith('flagstream-fleet:'));
  navigator.locks.request(name, { steal: true }, () => new Promise(() => {})).catch(() => {});
};
window.setHidden = (hidden) => {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
  document.dispatchEvent(new Event('visibilitychange'));
};
`;

type Change = { streams: number; bulk: number };

describe.skipIf(!browserAvailable)('tabFleet() in Chromium: tabs share one stream', () => {
  let flags: FlagServer;
  let site: StaticSite;
  let browser: Browser;
  let dir: string;
  let enabled = true;
  const figures: Record<string, Change> = {};

  beforeAll(async () => {
    dir = await bundlePage(PAGE_SCRIPT, 'flagstream-tabs-');
    flags = await startServer({ file: 'examples/flags.json' });
    site = await serveStatic(dir, flags.url);
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    if (Object.keys(figures).length > 0) {
      console.log(`tabFleet figures (Chromium, local server, one toggle): ${Object.entries(figures).map(([tabs, f]) => `${tabs}: ${f.streams} stream(s), ${f.bulk} bulk request(s) per change`).join('; ')}`);
    }
    await browser?.close();
    await site?.close();
    await flags?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The previous test's tabs are gone (their streams closed at the server). */
  const noStreams = (): Promise<unknown> => vi.waitFor(() => expect(flags.streamCount).toBe(0), { timeout: 3_000, interval: 20 });
  const settle = (): Promise<unknown> => new Promise((done) => setTimeout(done, 300));
  const shows = (page: Page, value: boolean): Promise<unknown> =>
    page.waitForFunction((v) => document.body.dataset['newCheckout'] === String(v), value, { timeout: 5_000 });
  const roleOf = (page: Page): Promise<string | undefined> => page.evaluate(() => document.body.dataset['role']);

  async function openTabs(context: BrowserContext, count: number, query = ''): Promise<Page[]> {
    const pages: Page[] = [];
    for (let i = 0; i < count; i += 1) {
      const page = await context.newPage();
      await page.goto(site.url + query);
      await shows(page, enabled);
      pages.push(page);
    }
    return pages;
  }

  /**
   * Opens `count` tabs of the page in a new browser context once the previous tabs' streams are
   * gone, waits for the first stream, runs `check` with the pages and their roles, closes the context.
   */
  async function withTabs(count: number, query: string, check: (pages: Page[], roles: Array<string | undefined>) => Promise<void>): Promise<void> {
    const context = await browser.newContext();
    try {
      await noStreams();
      const pages = await openTabs(context, count, query);
      await flags.waitForStreams(1);
      await check(pages, await Promise.all(pages.map(roleOf)));
    } finally {
      await context.close();
    }
  }

  /** Toggles the flag; waits until every page shows it and the request log is quiet; counts the bulk requests it took. */
  async function toggle(pages: Page[]): Promise<number> {
    flags.resetRequests();
    enabled = !enabled;
    flags.toggle('demo', 'production', 'new-checkout', enabled);
    for (const page of pages) await shows(page, enabled);
    await settle(); // room for any duplicate request to arrive
    return flags.requests.bulk;
  }

  /** Streams and bulk requests per change for `tabs` tabs (with the fleet, or `?solo` without it), and the tabs' roles. */
  async function measure(tabs: number, query = ''): Promise<Change & { roles: string[] }> {
    let figure = { streams: 0, bulk: 0, roles: [] as string[] };
    await withTabs(tabs, query, async (pages, roles) => {
      await flags.waitForStreams(query ? tabs : 1);
      const bulk = await toggle(pages);
      figure = { streams: flags.streamCount, bulk, roles: roles.map(String).sort() };
      // Followers say where their values come from: the leader's network load, ready.
      for (const page of pages) expect(await page.evaluate(() => document.body.dataset['state'])).toBe('ready/network');
    });
    return figure;
  }

  it('without the fleet (baseline): three tabs open three streams and make three bulk requests per change', async () => {
    const { streams, bulk } = await measure(3, '?solo');
    figures['3 tabs without tabFleet'] = { streams, bulk };
    expect({ streams, bulk }).toEqual({ streams: 3, bulk: 3 });
  }, 30_000);

  it.each([1, 3])('%i tab(s) with the fleet: one stream, one bulk request per change, one leader', async (tabs) => {
    const { streams, bulk, roles } = await measure(tabs);
    figures[`${tabs} tab${tabs > 1 ? 's' : ''}`] = { streams, bulk };
    expect({ streams, bulk }).toEqual({ streams: 1, bulk: 1 });
    expect(roles).toEqual([...Array<string>(tabs - 1).fill('follower'), 'leader']);
  }, 30_000);

  it('the leader tab closes: one stream again within a second; a change made meanwhile and the next toggle reach the other two', () =>
    withTabs(3, '', async (pages, roles) => {
      const leader = pages[roles.indexOf('leader')]!;
      const others = pages.filter((page) => page !== leader);
      flags.resetRequests();
      const closing = Date.now();
      await leader.close();
      const closed = Date.now(); // the page is gone, and its lock with it
      enabled = !enabled;
      // Made while no tab streams, unless the next tab took the lock and opened its stream before
      // close() returned (a busy machine): then that stream gets the change's event. The server
      // counts a stream and opens it in one task, so the count says which.
      const reached = flags.requests.stream;
      flags.toggle('demo', 'production', 'new-checkout', enabled);
      await Promise.race(others.map((page) => page.waitForFunction(() => document.body.dataset['role'] === 'leader', undefined, { timeout: 2_000 })));
      while (flags.requests.stream < 1 && Date.now() - closed < 2_000) await new Promise((done) => setTimeout(done, 10));
      const streaming = Date.now();
      console.log(`tabFleet handover (Chromium): a new leader streams ${streaming - closing} ms after the leader tab's close() began (${streaming - closed} ms after it returned)`);
      expect(flags.requests.stream).toBe(1);
      expect(streaming - closed).toBeLessThan(1_000);
      // The closed tab's stream ends at the server once its socket closes (later on a busy machine; its
      // stream request came before the reset, so the count above is the new leader's alone): one stays.
      await vi.waitFor(() => expect(flags.streamCount).toBe(1), { timeout: 3_000, interval: 20 });
      await settle();
      // One tab led from then on: one stream, then its first load (started after the stream opened:
      // the change made meanwhile is not lost), and one more load for the change's event if its
      // stream was open when the change went out.
      expect(flags.requestLog.map((request) => request.route)).toEqual(['stream', 'bulk', ...(reached ? ['bulk'] : [])]);
      for (const page of others) await shows(page, enabled);
      for (const page of others) expect(await page.evaluate(() => document.body.dataset['state'])).toBe('ready/network');
      const bulk = await toggle(others);
      expect(bulk).toBe(1);
      expect((await Promise.all(others.map(roleOf))).sort()).toEqual(['follower', 'leader']);
    }), 30_000);

  it('the leader’s tab hidden for longer than hiddenCloseMs keeps the one stream: a change still reaches the visible tab', () =>
    withTabs(2, '?hide', async (pages, roles) => {
      const leader = pages[roles.indexOf('leader')]!;
      const follower = pages.find((page) => page !== leader)!;
      await leader.evaluate(() => (window as unknown as { setHidden(hidden: boolean): void }).setHidden(true));
      await new Promise((done) => setTimeout(done, 1_000)); // past hiddenCloseMs (300 ms)
      expect(flags.streamCount).toBe(1);
      expect(await toggle([follower])).toBe(1);
      expect(await follower.evaluate(() => document.body.dataset['state'])).toBe('ready/network');
    }), 30_000);

  it('the leader’s page hangs (a long task) holding its lock: a follower takes the lock within a lease and streams; the hung tab, running again, follows', () =>
    withTabs(2, '', async (pages, roles) => {
      const leader = pages[roles.indexOf('leader')]!;
      const follower = pages.find((page) => page !== leader)!;
      const hanging = leader.evaluate(() => {
        const end = Date.now() + 6_000;
        while (Date.now() < end); // the page runs nothing else meanwhile; its stream socket stays open
      });
      const hungAt = Date.now();
      enabled = !enabled;
      flags.toggle('demo', 'production', 'new-checkout', enabled); // reaches no one until a tab that runs leads
      await follower.waitForFunction(() => document.body.dataset['role'] === 'leader', undefined, { timeout: 5_500 });
      await shows(follower, enabled);
      console.log(`tabFleet hung leader (Chromium): a follower leads and shows the change ${Date.now() - hungAt} ms after the leader's page hung`);
      expect(await follower.evaluate(() => document.body.dataset['state'])).toBe('ready/network');
      await hanging;
      await leader.waitForFunction(() => document.body.dataset['role'] === 'follower', undefined, { timeout: 3_000 });
      await shows(leader, enabled);
      await vi.waitFor(() => expect(flags.streamCount).toBe(1), { timeout: 3_000, interval: 20 });
      expect(await toggle(pages)).toBe(1);
    }), 30_000);

  it('the leader’s page hangs while another tab takes over and shares a change: once it runs again, no tab goes back to its old value', () =>
    withTabs(3, '', async (pages, roles) => {
      const leader = pages[roles.indexOf('leader')]!;
      const others = pages.filter((page) => page !== leader);
      const hanging = leader.evaluate(() => {
        const end = Date.now() + 6_000;
        while (Date.now() < end); // meanwhile the follower's asks, and the news that its lock was taken, wait for it
      });
      enabled = !enabled;
      flags.toggle('demo', 'production', 'new-checkout', enabled);
      await Promise.race(others.map((page) => page.waitForFunction(() => document.body.dataset['role'] === 'leader', undefined, { timeout: 5_500 })));
      for (const page of others) await shows(page, enabled);
      await hanging;
      await leader.waitForFunction(() => document.body.dataset['role'] === 'follower', undefined, { timeout: 3_000 });
      await new Promise((done) => setTimeout(done, 2_500)); // past the followers' next asks (every leaseMs / 3 ± 20 %)
      for (const page of others) {
        const shown = await page.evaluate(() => (window as unknown as { shown: boolean[] }).shown);
        // Once on the change, a tab never shows the value from before it again.
        expect(shown.slice(shown.indexOf(enabled))).toEqual([enabled]);
        expect(await page.evaluate(() => document.body.dataset['state'])).toBe('ready/network');
      }
      await shows(leader, enabled);
      expect((await Promise.all(pages.map(roleOf))).filter((role) => role === 'leader')).toHaveLength(1);
    }), 30_000);

  it('the leader tab closes while the next tab in line hangs, and the third takes the lock: the hung tab, running again, follows; no tab goes back or deposes the new leader', () =>
    withTabs(3, '', async (pages, roles) => {
      const leader = pages[roles.indexOf('leader')]!;
      const [next, third] = pages.filter((page) => page !== leader) as [Page, Page]; // in the order they queued for the lock
      const hanging = next.evaluate(() => {
        const end = Date.now() + 8_000;
        while (Date.now() < end); // the lock is granted to this page meanwhile; its callback waits, as does the news that it was taken
      });
      await new Promise((done) => setTimeout(done, 200));
      await leader.close();
      enabled = !enabled;
      flags.toggle('demo', 'production', 'new-checkout', enabled); // while no running tab leads
      await third.waitForFunction(() => document.body.dataset['role'] === 'leader', undefined, { timeout: 7_000 });
      await shows(third, enabled);
      await hanging;
      await next.waitForFunction(() => document.body.dataset['role'] === 'follower', undefined, { timeout: 3_000 });
      await new Promise((done) => setTimeout(done, 2_500)); // past the followers' next claims (every leaseMs / 3 ± 20 %)
      await shows(next, enabled);
      type Seen = { shown: boolean[]; said: string[] };
      const seen = await Promise.all([next, third].map((page) => page.evaluate(() => ({ shown: (window as unknown as Seen).shown, said: (window as unknown as Seen).said }))));
      for (const { shown } of seen) expect(shown.slice(shown.indexOf(enabled))).toEqual([enabled]); // once on the change, never back
      // The hung tab never led; the one that took over led from then on, ready from the network.
      expect(seen[0]!.said.filter((said) => said.startsWith('leader'))).toEqual([]);
      const led = seen[1]!.said.slice(seen[1]!.said.findIndex((said) => said.startsWith('leader')));
      expect(led.filter((said) => !said.startsWith('leader'))).toEqual([]);
      expect(led.at(-1)).toBe('leader ready/network');
      expect(await next.evaluate(() => document.body.dataset['state'])).toBe('ready/network');
      expect(flags.streamCount).toBe(1);
    }), 40_000);

  it('another tab steals the leader’s lock (its request fails with an AbortError): the leader, its timers stalled, follows at once and stops streaming; then it serves the next leader’s change, ready', () =>
    withTabs(2, '', async (pages, roles) => {
      const leader = pages[roles.indexOf('leader')]!;
      const follower = pages.find((page) => page !== leader)!;
      type Page$ = { stallTimers(): void; stealLock(): Promise<void>; said: string[] };
      // No claim of its own comes to its rescue: only the browser's news that its lock was taken.
      await leader.evaluate(() => (window as unknown as Page$).stallTimers());
      const said = await leader.evaluate(() => (window as unknown as Page$).said.length);
      const stealing = Date.now();
      await follower.evaluate(() => (window as unknown as Page$).stealLock());
      await leader.waitForFunction(() => document.body.dataset['role'] === 'follower', undefined, { timeout: 1_000 });
      console.log(`tabFleet stolen lock (Chromium): the leader follows ${Date.now() - stealing} ms after another tab stole its lock`);
      await vi.waitFor(() => expect(flags.streamCount).toBe(0), { timeout: 2_000, interval: 20 });
      // The tab holding the stolen lock says nothing: a lease later the follower takes it in turn, leads and loads.
      enabled = !enabled;
      flags.toggle('demo', 'production', 'new-checkout', enabled);
      await follower.waitForFunction(() => document.body.dataset['role'] === 'leader', undefined, { timeout: 8_000 });
      await shows(leader, enabled);
      expect(await leader.evaluate(() => document.body.dataset['state'])).toBe('ready/network');
      expect(await roleOf(leader)).toBe('follower');
      // From the steal on, it never said leader again.
      const after = await leader.evaluate((from) => (window as unknown as Page$).said.slice(from), said);
      expect(after.filter((line) => line.startsWith('leader'))).toEqual([]);
      await vi.waitFor(() => expect(flags.streamCount).toBe(1), { timeout: 3_000, interval: 20 });
    }), 30_000);

  it('identify() in one tab moves only that tab: it leads its own scope', () =>
    withTabs(3, '', async (pages, roles) => {
      const mover = pages[roles.indexOf('follower')]!;
      const stay = pages.filter((page) => page !== mover);
      await mover.evaluate(() => (window as unknown as { identify(c: object): Promise<unknown> }).identify({ userId: 'u-tab' }));
      await mover.waitForFunction(() => document.body.dataset['role'] === 'leader', undefined, { timeout: 2_000 });
      await flags.waitForStreams(2);
      expect((await Promise.all(stay.map(roleOf))).sort()).toEqual(['follower', 'leader']);
      const bulk = await toggle(pages);
      expect(bulk).toBe(2); // one per scope
      expect(flags.streamCount).toBe(2);
    }), 30_000);
});
