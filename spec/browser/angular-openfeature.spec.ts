import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlagServer } from '../../lib/server/index.js';
import { browserAvailable } from '../support/browser.js';
import { PROD_KEY as API_KEY } from '../server/fixtures.js';
import { openAngularExample, type AngularExample } from './angular-example.js';
import type { ExampleBuild } from './example-build.js';

/**
 * The OpenFeature Angular example: `@openfeature/angular-sdk` over `FlagstreamWebProvider`, built in
 * production mode by Angular's builder, in Debian's Chromium against the local flag server, with the
 * flag API proxied under the page's own origin.
 */
describe.skipIf(!browserAvailable)('Angular + OpenFeature example in Chromium', () => {
  let example: AngularExample;
  let flags: FlagServer, page: Page, built: ExampleBuild;
  let textOf: AngularExample['textOf'], waitForText: AngularExample['waitForText'], toggle: AngularExample['toggle'];

  beforeAll(async () => {
    example = await openAngularExample('angular-openfeature');
    ({ flags, page, built, textOf, waitForText, toggle } = example);
  }, 180_000);

  afterAll(() => example?.close());

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
    expect(example.errors).toEqual([]);
    expect(example.consoleLines.filter((line) => line.includes(API_KEY))).toEqual([]);
  });
});
