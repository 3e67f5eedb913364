import { rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type FlagServer } from '../../lib/server/index.js';
import { browserAvailable, launchBrowser } from '../support/browser.js';
import { ADMIN_KEY, PROD_KEY as API_KEY } from '../server/fixtures.js';
import { buildAngularExample, type ExampleBuild } from './example-build.js';
import { serveStatic, type StaticSite } from './static-server.js';

/**
 * The OpenFeature Angular example: `@openfeature/angular-sdk` over `FlagstreamWebProvider`, built in
 * production mode by Angular's builder, in Debian's Chromium against the local flag server, with the
 * flag API proxied under the page's own origin.
 */
describe.skipIf(!browserAvailable)('Angular + OpenFeature example in Chromium', () => {
  let flags: FlagServer;
  let site: StaticSite;
  let browser: Browser;
  let page: Page;
  let built: ExampleBuild;
  const consoleLines: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    built = await buildAngularExample(150_000, 'angular-openfeature');
    flags = await startServer({ file: 'examples/flags.json' });
    site = await serveStatic(built.site, flags.url);
    browser = await launchBrowser();
    page = await browser.newPage();
    page.on('console', (message) => {
      consoleLines.push(`${message.type()}: ${message.text()}`);
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(site.url);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await flags?.close();
    if (built) rmSync(built.dir, { recursive: true, force: true });
  });

  const textOf = (selector: string): Promise<string | null> => page.locator(selector).textContent({ timeout: 5_000 });
  const waitForText = (selector: string, text: string): Promise<unknown> =>
    page.waitForFunction(([s, t]) => document.querySelector(s!)?.textContent?.trim() === t, [selector, text], { timeout: 5_000 });
  const toggle = async (flagKey: string, enabled: boolean): Promise<void> => {
    const response = await fetch(`${flags.url}/api/v1/projects/demo/environments/production/flags/${flagKey}`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ enabled }),
    });
    expect(response.status).toBe(200);
  };

  it('bundles flagstream from the package build: the OpenFeature entry and the core, with the browser fetch', () => {
    const ours = built.inputs.filter((input) => input.startsWith('../../dist/') || input.startsWith('../../lib/'));
    expect(ours).toContain('../../dist/esm/openfeature/web-provider.js');
    expect(ours).toContain('../../dist/esm/client/default-fetch.browser.js');
    expect(ours.filter((input) => !input.startsWith('../../dist/esm/'))).toEqual([]);
    expect(built.inputs.some((input) => input.includes('@openfeature/angular-sdk'))).toBe(true);
    expect(built.inputs.filter((input) => input.includes('cross-fetch') || input.includes('@openfeature/server-sdk'))).toEqual([]);
  });

  it("first render: the directive and the service show the server's values once the provider is ready", async () => {
    await page.locator('#new-checkout').waitFor({ timeout: 10_000 });
    expect(await page.locator('#legacy-checkout').count()).toBe(0);
    expect(await page.locator('#loading').count()).toBe(0);
    await waitForText('#banner-text', 'welcome');
    expect(await textOf('#new-checkout-value')).toBe('true');
    expect(await textOf('#dark-mode')).toBe('false');
    expect(await textOf('#banner-reason')).not.toBe('ERROR');
  });

  it('a flag toggled on the server reaches the directive and the service without a reload', async () => {
    await flags.waitForStreams(1);
    await page.evaluate(() => ((window as { loadedOnce?: boolean }).loadedOnce = true));
    await toggle('new-checkout', false);
    await page.locator('#legacy-checkout').waitFor({ timeout: 5_000 });
    await waitForText('#new-checkout-value', 'false');
    expect(await page.locator('#new-checkout').count()).toBe(0);
    await toggle('new-checkout', true);
    await page.locator('#new-checkout').waitFor({ timeout: 5_000 });
    await waitForText('#new-checkout-value', 'true');
    expect(await page.locator('#legacy-checkout').count()).toBe(0);
    expect(await page.evaluate(() => (window as { loadedOnce?: boolean }).loadedOnce)).toBe(true);
  });

  it('OpenFeature.setContext() switches every flag to the new context', async () => {
    await page.locator('#identify').click();
    await waitForText('#user', 'alice');
    await waitForText('#dark-mode', 'true');
    expect(await textOf('#banner-text')).toBe('holiday-sale');
    expect(await page.locator('#new-checkout').count()).toBe(1);
  });

  it('logs no error, and the API key in no console line', () => {
    expect(errors).toEqual([]);
    expect(consoleLines.filter((line) => line.includes(API_KEY))).toEqual([]);
  });
});
