import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlagServer } from '../../lib/server/index.js';
import { browserAvailable } from '../support/browser.js';
import { openAngularExample, type AngularExample } from './angular-example.js';
import type { ExampleBuild } from './example-build.js';
import type { StaticSite } from './static-server.js';
import { PROD_KEY as API_KEY } from '../server/fixtures.js';

/** Whether the local server answers CORS (preflight included) on the Cuttlegate routes; it does on the Rollgate routes only so far. */
const CUTTLEGATE_CORS = true;

/**
 * The Angular example, built in production mode by Angular's builder, in Debian's Chromium against
 * the local flag server. The app is served with the flag API proxied under its own origin (the
 * setup the README recommends for a real Cuttlegate, and needed here because the local server
 * answers CORS only on the Rollgate routes on this branch).
 */
describe.skipIf(!browserAvailable)('Angular example in Chromium', () => {
  let example: AngularExample;
  let flags: FlagServer, browser: Browser, page: Page, built: ExampleBuild, site: StaticSite;
  let textOf: AngularExample['textOf'], waitForText: AngularExample['waitForText'], toggle: AngularExample['toggle'];

  beforeAll(async () => {
    example = await openAngularExample('angular');
    ({ flags, browser, page, built, site, textOf, waitForText, toggle } = example);
  }, 180_000);

  afterAll(() => example?.close());

  it('bundles one copy of flagstream, from the package build, with the browser fetch and no cross-fetch', () => {
    const ours = built.inputs.filter((input) => input.startsWith('../../dist/') || input.startsWith('../../lib/'));
    expect(ours).toContain('../../dist/esm/angular/index.js');
    expect(ours).toContain('../../dist/esm/client/default-fetch.browser.js');
    expect(ours.filter((input) => !input.startsWith('../../dist/esm/'))).toEqual([]);
    expect(ours).not.toContain('../../dist/esm/client/default-fetch.js');
    expect(built.inputs.filter((input) => input.includes('cross-fetch'))).toEqual([]);
  });

  it("first render shows the server's values", async () => {
    // awaitReady: the first render waits for the first load, so no default is ever on screen.
    expect(await textOf('#status')).toBe('ready');
    expect(await textOf('#dark-mode')).toBe('false');
    expect(await textOf('#banner-text')).toBe('welcome');
    expect(await textOf('#max-items')).toBe('10');
    expect(await page.locator('#new-checkout').count()).toBe(1);
    expect(await page.locator('#legacy-checkout').count()).toBe(0);
    expect(await page.locator('#sale').count()).toBe(0);
  });

  it('a flag toggled on the server switches the else branch without a reload', async () => {
    await waitForText('#streaming', 'streaming');
    await flags.waitForStreams(1);
    await page.evaluate(() => ((window as { loadedOnce?: boolean }).loadedOnce = true));
    await toggle('new-checkout', false);
    await page.locator('#legacy-checkout').waitFor({ timeout: 5_000 });
    expect(await page.locator('#new-checkout').count()).toBe(0);
    await toggle('new-checkout', true);
    await page.locator('#new-checkout').waitFor({ timeout: 5_000 });
    expect(await page.locator('#legacy-checkout').count()).toBe(0);
    expect(await page.evaluate(() => (window as { loadedOnce?: boolean }).loadedOnce)).toBe(true);
  });

  it('identify() switches the values to the new context', async () => {
    await page.locator('#identify').click();
    await waitForText('#user', 'alice');
    expect(await textOf('#dark-mode')).toBe('true');
    expect(await textOf('#banner-text')).toBe('holiday-sale');
    expect(await textOf('#max-items')).toBe('25');
    expect(await textOf('#sale')).toBe('Banner: holiday-sale');
  });

  it('logs no error, and the API key in no console line', () => {
    expect(example.errors).toEqual([]);
    expect(example.consoleLines.filter((line) => line.includes(API_KEY))).toEqual([]);
  });

  it.skipIf(!CUTTLEGATE_CORS)('also works cross-origin, straight to the local server', async () => {
    const direct = await browser.newPage();
    const failures: string[] = [];
    direct.on('console', (message) => void (message.type() === 'error' && failures.push(message.text())));
    try {
      await direct.goto(`${site.url}/?server=${encodeURIComponent(flags.url)}`);
      await direct.waitForFunction(() => document.querySelector('#streaming')?.textContent === 'streaming', undefined, { timeout: 5_000 });
      expect(await direct.locator('#banner-text').textContent()).toBe('welcome');
      expect(failures).toEqual([]);
    } finally {
      await direct.close();
    }
  });
});
