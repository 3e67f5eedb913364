import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, timeout } from 'rxjs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlagClient, cuttlegate, type FlagClient } from '../../lib/index.js';
import { starterFlags } from '../../lib/cli/starter-flags.js';
import { startServer, type FlagServer, type FlagsDocument } from '../../lib/server/index.js';
import { browserAvailable, launchBrowser } from '../support/browser.js';

/** Set UPDATE_SCREENSHOT=1 to rewrite docs/dashboard.png from this run. */
const SCREENSHOT = process.env.UPDATE_SCREENSHOT === '1' ? 'docs/dashboard.png' : undefined;

interface WireFlag {
  key: string;
  value_key: string;
  reason: string;
}

describe.skipIf(!browserAvailable)('the dashboard in Chromium', () => {
  let dir: string;
  let file: string;
  let doc: FlagsDocument;
  let server: FlagServer;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flagstream-dashboard-'));
    file = join(dir, 'flags.json');
    doc = starterFlags('../schema/flags.schema.json');
    await writeFile(file, JSON.stringify(doc, null, 2));
    server = await startServer({ file, dashboard: true, watchDebounceMs: 20, logger: { warn() {}, error() {} } });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (message) => void (message.type() === 'error' && consoleErrors.push(message.text())));
    page.on('pageerror', (error) => void consoleErrors.push(error.message));
    await page.goto(`${server.url}/`);
    await page.locator('#live', { hasText: 'live' }).waitFor({ timeout: 10_000 });
    await page.locator('td.variant code').first().waitFor({ timeout: 10_000 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const project = () => doc.projects[0]!;
  const rows = (env: string) => page.locator(`tr[data-project="my-app"][data-env="${env}"]`);

  /** The bulk API's answer for one environment and context. */
  async function bulk(env: string, userId: string, attributes: Record<string, string>): Promise<WireFlag[]> {
    const key = project().environments.find((e) => e.slug === env)!.apiKeys![0]!;
    const res = await fetch(`${server.url}/api/v1/projects/my-app/environments/${env}/evaluate`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}` },
      body: JSON.stringify({ context: { user_id: userId, attributes } }),
    });
    return ((await res.json()) as { flags: WireFlag[] }).flags;
  }

  /** What the page shows per row: key, variant, reason. */
  async function shown(env: string): Promise<{ key: string; value_key: string; reason: string }[]> {
    return rows(env).evaluateAll((trs) =>
      trs.map((tr) => ({
        key: tr.getAttribute('data-flag')!,
        value_key: tr.querySelector('td.variant')!.textContent!,
        reason: tr.querySelector('td.reason')!.textContent!,
      })),
    );
  }

  /** Resolves after the page's next completed refresh. */
  async function nextRefresh(action: () => Promise<unknown>): Promise<void> {
    const before = Number(await page.locator('body').getAttribute('data-refreshed'));
    await action();
    await page.waitForFunction((n) => Number(document.body.dataset.refreshed) > n, before, { timeout: 10_000 });
  }

  it('lists every flag of the served file in each environment, with type, state, default and rules', async () => {
    for (const env of project().environments) {
      expect(await rows(env.slug).evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-flag')))).toEqual(project().flags!.map((f) => f.key));
    }
    const dark = page.locator('tr[data-env="development"][data-flag="dark-mode"]');
    await expect.poll(() => dark.textContent()).toContain('pro plan: If plan is "pro" → true');
    expect(await dark.textContent()).toContain('half of the beta testers: If user is in segment beta-testers → 50% true, 50% false');
    expect(await dark.locator('td').nth(1).textContent()).toBe('bool');
    expect(await page.getByRole('switch', { name: 'new-checkout in production' }).isChecked()).toBe(false);
    expect(await page.getByRole('switch', { name: 'new-checkout in development' }).isChecked()).toBe(true);
  });

  it('"evaluate as" shows the same variants and reasons as the bulk API', async () => {
    const contexts: [string, Record<string, string>, string][] = [
      ['', {}, ''],
      ['alice', { plan: 'pro' }, 'plan=pro'],
      ['bob', { country: 'NL' }, 'country = NL'],
    ];
    for (const [userId, attributes, typed] of contexts) {
      await nextRefresh(async () => {
        await page.getByLabel('User id').fill(userId);
        await page.getByLabel('Attributes').fill(typed);
        await page.getByRole('button', { name: 'Evaluate' }).click();
      });
      for (const env of ['development', 'production']) {
        expect(await shown(env)).toEqual((await bulk(env, userId, attributes)).map(({ key, value_key, reason }) => ({ key, value_key, reason })));
      }
      if (userId === 'alice' && SCREENSHOT !== undefined) await page.screenshot({ path: SCREENSHOT, fullPage: true });
    }
    expect((await shown('development')).find((f) => f.key === 'banner-text')).toEqual({ key: 'banner-text', value_key: 'hallo', reason: 'rule_match' });
  });

  it('a switch toggles the flag for a flagstream client, from the keyboard', async () => {
    const client: FlagClient = createFlagClient({
      transport: cuttlegate({ serverUrl: server.url, apiKey: project().environments[0]!.apiKeys![0]!, project: 'my-app', environment: 'development' }),
      pollIntervalMs: 0,
    });
    try {
      expect((await client.ready()).ok).toBe(true);
      await server.waitForStreams(1);
      expect(client.bool('new-checkout')).toBe(true);
      const switchedOff = firstValueFrom(client.changes$.pipe(filter((c) => c.key === 'new-checkout'), timeout(10_000)));
      const toggle = page.getByRole('switch', { name: 'new-checkout in development' });
      await toggle.focus();
      await nextRefresh(() => toggle.press('Space'));
      expect((await switchedOff).current).toMatchObject({ value: false, reason: 'disabled', enabled: false });
      expect(client.bool('new-checkout')).toBe(false);
      expect(await toggle.isChecked()).toBe(false);
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('switch-my-app-development-new-checkout');
      // The focus stays visible for keyboard users (after the re-render too).
      expect(await toggle.evaluate((el) => [el.matches(':focus-visible'), getComputedStyle(el).outlineStyle])).toEqual([true, 'solid']);
      expect(await page.locator('tr[data-env="development"][data-flag="new-checkout"] td.reason').textContent()).toBe('disabled');
    } finally {
      client.close();
    }
  });

  it('shows an edit of the flags file without a reload', async () => {
    await page.evaluate(() => void ((window as unknown as { marker: number }).marker = 1));
    const edited = JSON.parse(await readFile(file, 'utf8')) as FlagsDocument;
    edited.projects[0]!.flags!.find((f) => f.key === 'dark-mode')!.environments!.development!.rules![0]!.conditions![0]!.values = ['enterprise'];
    await writeFile(file, JSON.stringify(edited, null, 2));
    const dark = page.locator('tr[data-env="development"][data-flag="dark-mode"]');
    await expect.poll(() => dark.textContent(), { timeout: 10_000 }).toContain('If plan is "enterprise" → true');
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);
  });

  it('lists the warnings of the file, updated by an edit without a reload', async () => {
    const warnings = page.locator('#warnings');
    expect(await warnings.isHidden()).toBe(true);
    const edited = JSON.parse(await readFile(file, 'utf8')) as FlagsDocument;
    edited.projects[0]!.flags!.push({ key: 'layout', type: 'json', variants: ['{"cols":3}', 'null'], defaultVariant: '{"cols":3}' });
    await writeFile(file, JSON.stringify(edited, null, 2));
    await warnings.getByRole('listitem').first().waitFor({ timeout: 10_000 });
    expect(await warnings.getByRole('listitem').allTextContents()).toEqual([
      expect.stringMatching(/^projects\[0\]\.flags\[\d+\]\.variants\[1\]: OFREP has no null value: OFREP clients get their code default/),
    ]);
    expect(await page.getByRole('heading', { name: 'Warnings about the flags file' }).isVisible()).toBe(true);
  });

  it('says the file is invalid and the last good flags are served, and clears it once the file is valid again', async () => {
    const problem = page.locator('#file-problem');
    expect(await problem.textContent()).toBe('');
    const good = await readFile(file, 'utf8');
    await writeFile(file, '{ "projects": [');
    await expect.poll(() => problem.textContent(), { timeout: 10_000 }).toContain('The flags file is not valid, so the last good flags are served:');
    expect(await problem.textContent()).toContain(file);
    expect(await page.locator('tr[data-env="development"][data-flag="dark-mode"]').count()).toBe(1);
    await writeFile(file, good);
    await expect.poll(() => problem.textContent(), { timeout: 10_000 }).toBe('');
  });

  it('"evaluate as" says what is wrong with an attribute without "=", and changes nothing', async () => {
    const before = await page.locator('#projects').innerHTML();
    await page.getByLabel('Attributes').fill('plan=pro, beta');
    await page.getByRole('button', { name: 'Evaluate' }).click();
    expect(await page.locator('#message').textContent()).toBe('Attributes are name=value pairs separated by commas; "beta" is not one. Nothing was changed.');
    expect(await page.locator('#projects').innerHTML()).toBe(before);
  });

  it('logs no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
