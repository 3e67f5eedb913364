import { chromium, type Browser } from 'playwright-core';
import { hasService } from './services.js';

/** Debian's Chromium, the only browser the specs drive (nothing downloads a browser build). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Chromium is here (else the browser specs skip, except in CI). Use with `describe.skipIf(!browserAvailable)`. */
export const browserAvailable = hasService('chromium', [CHROMIUM_PATH]);

/**
 * Launches headless Chromium with the flags a closed network needs (no background networking,
 * component updates or sync, which would try to reach the internet). Close it in `afterAll`.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    timeout: 30_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}
