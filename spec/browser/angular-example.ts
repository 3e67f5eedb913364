/**
 * For the browser specs: an Angular example built in production mode, served with the flag API proxied under
 * its own origin, against the local flag server (examples/flags.json), open in Chromium, with every
 * console line and page error recorded.
 */
import { rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { startServer, type FlagServer } from '../../lib/server/index.js';
import { launchBrowser } from '../support/browser.js';
import { ADMIN_KEY } from '../server/fixtures.js';
import { buildAngularExample, type ExampleBuild } from './example-build.js';
import { serveStatic, type StaticSite } from './static-server.js';

/** A running example and the means to drive it. */
export interface AngularExample {
  flags: FlagServer;
  site: StaticSite;
  browser: Browser;
  page: Page;
  built: ExampleBuild;
  /** Every console line as `type: text`. */
  consoleLines: string[];
  /** Console errors and uncaught page errors. */
  errors: string[];
  /** The text of the element, waiting up to 5 s for it. */
  textOf(selector: string): Promise<string | null>;
  /** Resolves once the element's trimmed text is `text` (at most 5 s). */
  waitForText(selector: string, text: string): Promise<unknown>;
  /** Switch a flag in demo/production through the admin route. */
  toggle(flagKey: string, enabled: boolean): Promise<void>;
  /** Close the browser, the site and the flag server, and remove the build. */
  close(): Promise<void>;
}

/** Build `examples/<example>` and open it in Chromium (up to `timeoutMs` for the build). */
export async function openAngularExample(example: 'angular' | 'angular-openfeature', timeoutMs = 150_000): Promise<AngularExample> {
  const built = await buildAngularExample(timeoutMs, example);
  /** What is open so far, closed in reverse order (also when opening fails halfway). */
  const opened: (() => unknown)[] = [() => rmSync(built.dir, { recursive: true, force: true })];
  const closeAll = async (): Promise<void> => {
    for (const undo of opened.splice(0).reverse()) await undo();
  };
  const consoleLines: string[] = [];
  const errors: string[] = [];
  let flags: FlagServer, site: StaticSite, browser: Browser, page: Page;
  try {
    flags = await startServer({ file: 'examples/flags.json' });
    opened.push(() => flags.close());
    site = await serveStatic(built.site, flags.url);
    opened.push(() => site.close());
    browser = await launchBrowser();
    opened.push(() => browser.close());
    page = await browser.newPage();
    page.on('console', (message) => {
      consoleLines.push(`${message.type()}: ${message.text()}`);
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(site.url);
  } catch (error) {
    await closeAll();
    throw error;
  }
  return {
    flags,
    site,
    browser,
    page,
    built,
    consoleLines,
    errors,
    textOf: (selector) => page.locator(selector).textContent({ timeout: 5_000 }),
    waitForText: (selector, text) =>
      page.waitForFunction(([s, t]) => document.querySelector(s!)?.textContent?.trim() === t, [selector, text], { timeout: 5_000 }),
    async toggle(flagKey, enabled) {
      const response = await fetch(`${flags.url}/api/v1/projects/demo/environments/production/flags/${flagKey}`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ enabled }),
      });
      if (response.status !== 200) throw new Error(`toggling ${flagKey} answered ${response.status}`);
    },
    close: closeAll,
  };
}
