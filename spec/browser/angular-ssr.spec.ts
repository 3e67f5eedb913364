import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type FlagServer } from '../../lib/server/index.js';
import { browserAvailable, launchBrowser } from '../support/browser.js';
import { spawnTs, type Spawned } from '../support/spawn.js';
import { buildAngularExample, type ExampleBuild } from './example-build.js';

/** A pro visitor in Germany: every flag of the page differs from its default (examples/flags.json). */
const PAGE = '/?user=anna&plan=pro&country=DE';
/** The markup of each flag's default branch. */
const DEFAULT_MARKUP = ['id="legacy-checkout"', 'id="welcome"'];
/** Another visitor: a free user in the US, whose dark mode and banner are the defaults. */
const OTHER_PAGE = '/?user=bob&plan=free&country=US';

/**
 * examples/angular-ssr, built in production mode by Angular's builder and served by its own SSR
 * server (`dist/…/server/server.mjs`) against the local flag server: the server HTML carries the
 * visitor's flags, and the hydrated page in Chromium never shows a default nor sends a bulk request
 * before its stream opens.
 */
describe.skipIf(!browserAvailable)('Angular SSR example (transferState)', () => {
  let built: ExampleBuild, flags: FlagServer, ssr: Spawned, browser: Browser, origin: string;

  beforeAll(async () => {
    built = await buildAngularExample(150_000, 'angular-ssr');
    flags = await startServer({ file: 'examples/flags.json' });
    ssr = spawnTs([join(built.dir, 'server/server.mjs')], { PORT: '0', HOST: '127.0.0.1', FLAG_SERVER_URL: flags.url });
    origin = /listening on (http:\/\/\S+)/.exec(await ssr.waitFor(/listening on http:/, 20_000))![1]!;
    browser = await launchBrowser();
  }, 200_000);

  afterAll(async () => {
    await browser?.close();
    ssr?.child.kill();
    if (ssr) await ssr.exited;
    await flags?.close();
    if (built) rmSync(built.dir, { recursive: true, force: true });
  });

  it("renders the visitor's flags on the server and transfers the snapshot", async () => {
    flags.resetRequests();
    const html = await (await fetch(origin + PAGE)).text();
    for (const markup of ['id="new-checkout"', 'id="sale"', '<b id="dark-mode">true</b>', '<b id="source">network</b>']) expect(html).toContain(markup);
    for (const markup of DEFAULT_MARKUP) expect(html).not.toContain(markup);
    expect(html).toMatch(/<script id="ng-state" type="application\/json">[^<]*flagstream\.snapshot/);
    // One load, for the request's context; the render's client neither streamed nor stayed open.
    expect(flags.requestLog.map((entry) => [entry.route, entry.context?.userId])).toEqual([['bulk', 'anna']]);
    expect(flags.streamCount).toBe(0);
  });

  it('hydrates without ever showing a default, and sends no bulk request before the stream opens', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => void (message.type() === 'error' && errors.push(message.text())));
    // Installed before any of the page's HTML or scripts: records every default branch that is ever attached.
    await page.addInitScript((selectors: string) => {
      const seen: string[] = ((window as unknown as { defaultsSeen: string[] }).defaultsSeen = []);
      new MutationObserver(() => {
        for (const element of document.querySelectorAll(selectors)) seen.push(element.id);
        const dark = document.getElementById('dark-mode');
        if (dark && dark.textContent === 'false') seen.push('dark-mode=false');
      }).observe(document, { childList: true, subtree: true, characterData: true });
    }, '#legacy-checkout, #welcome');
    flags.resetRequests();
    await page.goto(origin + PAGE);
    // Hydrated and live: the stream is open and the client's connect refetch has answered.
    await page.waitForFunction(() => document.getElementById('streaming')?.textContent === 'streaming', undefined, { timeout: 10_000 });
    await flags.waitForStreams(1);
    await page.waitForFunction(() => document.getElementById('source')?.textContent === 'network', undefined, { timeout: 10_000 });
    // The page still shows the visitor's flags, and never showed a default.
    expect(await page.locator('#new-checkout').count()).toBe(1);
    expect(await page.locator('#sale').count()).toBe(1);
    expect(await page.evaluate(() => (window as unknown as { defaultsSeen: string[] }).defaultsSeen)).toEqual([]);

    // The log: the server render's own load first (before any HTML left the server), then the
    // browser's stream, and only then the browser's bulk request (the stream's connect refetch).
    const routes = flags.requestLog.map((entry) => entry.route).filter((route) => route === 'bulk' || route === 'stream');
    expect(routes).toEqual(['bulk', 'stream', 'bulk']);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("never serves a cached render to another visitor as theirs: only that visitor's own load, and one warning", async () => {
    // A page cache keyed by path hands anna's render to bob: his browser gets her HTML and her snapshot.
    const annas = await (await fetch(origin + PAGE)).text();
    expect(annas).toContain('<b id="dark-mode">true</b>');
    const page = await browser.newPage();
    const errors: string[] = [];
    const warnings: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
      if (message.type() === 'warning') warnings.push(message.text());
    });
    await page.route(origin + OTHER_PAGE, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: annas }));
    // Every value the page's source line ever shows (the server HTML says network: anna's render's).
    await page.addInitScript(() => {
      const seen: string[] = ((window as unknown as { sourcesSeen: string[] }).sourcesSeen = []);
      new MutationObserver(() => {
        const source = document.getElementById('source')?.textContent;
        if (source && seen[seen.length - 1] !== source) seen.push(source);
      }).observe(document, { childList: true, subtree: true, characterData: true });
    });
    flags.resetRequests();
    await page.goto(origin + OTHER_PAGE);
    await page.waitForFunction(() => document.getElementById('welcome') !== null, undefined, { timeout: 10_000 });
    await page.waitForFunction(() => document.getElementById('source')?.textContent === 'network', undefined, { timeout: 10_000 });
    // Bob's flags: not pro (no dark mode), not in Germany (no sale).
    expect(await page.locator('#dark-mode').textContent()).toBe('false');
    expect(await page.locator('#sale').count()).toBe(0);
    // Anna's snapshot was never served: the client went from nothing to its own load, never to `bootstrap`.
    expect(await page.evaluate(() => (window as unknown as { sourcesSeen: string[] }).sourcesSeen)).toEqual(['network', 'none', 'network']);
    expect(flags.requestLog.filter((entry) => entry.route === 'bulk').map((entry) => entry.context?.userId)).toEqual(['bob']);
    expect(warnings.filter((text) => text.includes('server-rendered flags not used'))).toHaveLength(1);
    expect(errors).toEqual([]);
    await page.close();
  });
});
