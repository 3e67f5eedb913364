import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startServer, type FlagServer } from '../../lib/server/index.js';
import { browserAvailable, launchBrowser } from '../support/browser.js';
import { bundlePage } from './page-bundle.js';
import { serveStatic, type StaticSite } from './static-server.js';

/**
 * Whether the engine honours `hiddenCloseMs` (closes the stream while `streamAllowed$` is false,
 * reconnects and refetches when it turns true). Set once lib/client/client.ts is wired to it.
 */
const ENGINE_WIRED = true;
const HIDDEN_CLOSE_MS = 300;

/** A page running the built package's browser entry with `hiddenCloseMs`, and a visibility switch. */
const PAGE_SCRIPT = `
import { createFlagClient, cuttlegate } from ${JSON.stringify(resolve(import.meta.dirname, '../../dist/esm/index.js'))};
const client = createFlagClient({
  transport: cuttlegate({ serverUrl: location.origin, apiKey: 'cg_demo_production_0123456789abcdefghijklmnopqrstuvwx', project: 'demo', environment: 'production' }),
  pollIntervalMs: 0,
  hiddenCloseMs: ${HIDDEN_CLOSE_MS},
});
client.bool$('new-checkout', false).subscribe((on) => (document.body.dataset.newCheckout = String(on)));
window.setHidden = (hidden) => {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
  document.dispatchEvent(new Event('visibilitychange'));
};
`;

describe.skipIf(!browserAvailable || !ENGINE_WIRED)('hiddenCloseMs in Chromium (emulated page visibility)', () => {
  let flags: FlagServer;
  let site: StaticSite;
  let browser: Browser;
  let page: Page;
  let dir: string;

  beforeAll(async () => {
    dir = await bundlePage(PAGE_SCRIPT, 'flagstream-visibility-');
    flags = await startServer({ file: 'examples/flags.json' });
    site = await serveStatic(dir, flags.url);
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(site.url);
    await page.waitForFunction(() => document.body.dataset['newCheckout'] === 'true', undefined, { timeout: 5_000 });
    await flags.waitForStreams(1);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await flags?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const setHidden = (hidden: boolean): Promise<void> => page.evaluate((h) => (window as unknown as { setHidden(h: boolean): void }).setHidden(h), hidden);

  it('closes the stream once the page has been hidden for hiddenCloseMs', async () => {
    await setHidden(true);
    await vi.waitFor(() => expect(flags.streamCount).toBe(0), { timeout: HIDDEN_CLOSE_MS + 3_000, interval: 25 });
  });

  it('reopens the stream and refetches at once when the page is visible again', async () => {
    flags.toggle('demo', 'production', 'new-checkout', false); // missed while closed
    const loadsBefore = flags.requests.bulk;
    const streamsBefore = flags.requests.stream;
    await setHidden(false);
    await flags.waitForStreams(1, 3_000);
    await page.waitForFunction(() => document.body.dataset['newCheckout'] === 'false', undefined, { timeout: 3_000 });
    expect(flags.requests.stream).toBe(streamsBefore + 1);
    expect(flags.requests.bulk).toBeGreaterThan(loadsBefore);
  });
});
