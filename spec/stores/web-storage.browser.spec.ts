import { createServer, type Server } from 'node:http';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchBrowser } from '../support/browser.js';
import { closeServer, listenOnLoopback } from '../support/http-helpers.js';
import type { StoredFlags } from '../../lib/stores/index.js';
import { record } from './records.js';

/** What the page reports back. */
interface QuotaOutcome {
  threwSynchronously: boolean;
  error: { isStoreError: boolean; name: string; operation: string; quota: boolean } | undefined;
  kept: unknown;
  bytesFilled: number;
}

/** `webStorageStore` on Chromium's real `localStorage`, filled to its real quota. */
describe.skipIf(!browserAvailable)('webStorageStore() in Chromium', () => {
  let browser: Browser;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: ['lib/stores/index.ts'],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      external: ['node:*'],
      write: false,
    });
    const script = bundle.outputFiles[0]!.text;
    server = createServer((req, res) => {
      if (req.url === '/stores.js') {
        res.writeHead(200, { 'Content-Type': 'text/javascript' });
        res.end(script);
      } else {
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.end('<!doctype html><title>stores</title><script type="module">import * as stores from "/stores.js"; window.stores = stores;</script>');
      }
    });
    url = await listenOnLoopback(server);
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (server) await closeServer(server);
  });

  it('a full localStorage rejects the save with a quota StoreError (never a synchronous throw) and keeps the last record', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(url);
      await page.waitForFunction(() => 'stores' in window);
      const small = record('browser-user');
      const big = record('browser-user', [
        { key: 'payload', enabled: true, variant: 'x', value: 'x'.repeat(200_000), reason: 'default', evaluatedAt: 'x', source: 'network' },
      ]);
      const outcome = await page.evaluate(
        async (input: string): Promise<QuotaOutcome> => {
          const { small, big } = JSON.parse(input) as { small: StoredFlags; big: StoredFlags };
          const { webStorageStore, StoreError } = (window as unknown as { stores: typeof import('../../lib/stores/index.js') }).stores;
          localStorage.clear();
          const store = webStorageStore(localStorage);
          await store.save(small);
          let bytesFilled = 0;
          let i = 0;
          for (const size of [256 * 1024, 16 * 1024, 1024]) {
            const chunk = 'f'.repeat(size);
            for (;;) {
              try {
                localStorage.setItem(`filler-${i++}`, chunk);
                bytesFilled += chunk.length;
              } catch {
                break;
              }
            }
          }
          let threwSynchronously = false;
          let saving: Promise<void> | undefined;
          try {
            saving = store.save(big);
          } catch {
            threwSynchronously = true;
          }
          const error = await saving?.then(
            () => undefined,
            (e: { name: string; operation: string; quota: boolean }) => ({
              isStoreError: e instanceof StoreError,
              name: e.name,
              operation: e.operation,
              quota: e.quota,
            }),
          );
          const kept = await store.load(small.scope);
          localStorage.clear();
          return { threwSynchronously, error, kept, bytesFilled };
        },
        JSON.stringify({ small, big }),
      );
      expect(outcome.bytesFilled).toBeGreaterThan(1_000_000);
      expect(outcome.threwSynchronously).toBe(false);
      expect(outcome.error).toEqual({ isStoreError: true, name: 'StoreError', operation: 'save', quota: true });
      expect(outcome.kept).toEqual(small);
    } finally {
      await page.close();
    }
  }, 60_000);
});
