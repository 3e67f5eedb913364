import '@angular/compiler';
import { Component, ErrorHandler, REQUEST, inject, provideZonelessChangeDetection, type Provider } from '@angular/core';
import { bootstrapApplication, type BootstrapContext } from '@angular/platform-browser';
import { provideServerRendering, renderApplication } from '@angular/platform-server';
import { afterEach, describe, expect, it } from 'vitest';
import { FLAG_CLIENT, FLAG_SNAPSHOT_KEY, FlagDirective, provideFlagClient, type FlagClientSource } from '../../lib/angular/index.js';
import { ConfigError, FlagSnapshot, ServerError, renderedSnapshot, type EvalContext, type FlagClient, type SnapshotJSON } from '../../lib/index.js';
import { createMockClient, testSource, type TestSource } from '../../lib/testing/index.js';
import { silent } from '../support/virtual.js';

/** The page a server render fills: flag-dependent markup, the default branch marked. */
@Component({
  selector: 'app-root',
  imports: [FlagDirective],
  template: `<p *flag="'new-checkout'; else legacy" id="flagged">new checkout</p>
    <ng-template #legacy><p id="default">legacy checkout</p></ng-template>`,
})
class Page {
  constructor() {
    rendered.push(inject(FLAG_CLIENT));
  }
}

/** Every client a render injected, to check that each was closed with its render. */
const rendered: FlagClient[] = [];
afterEach(() => void rendered.splice(0));

/** One server render of {@link Page} for `url` with `provideFlagClient(source, { transferState: true })`. */
function render(source: FlagClientSource, url = 'http://app.test/', extra: Provider[] = []): Promise<string> {
  const providers = [provideZonelessChangeDetection(), provideServerRendering(), provideFlagClient(source, { transferState: true }), ...extra];
  const bootstrap = (context: BootstrapContext) => bootstrapApplication(Page, { providers }, context);
  return renderApplication(bootstrap, {
    document: '<html><head></head><body><app-root></app-root></body></html>',
    url,
    allowedHosts: ['app.test'],
    platformProviders: [{ provide: REQUEST, useValue: new Request(url) }],
  });
}

/** The flag snapshot a rendered page carries for the browser, if any. */
function transferred(html: string): SnapshotJSON | undefined {
  const state = /<script id="ng-state" type="application\/json">(.*?)<\/script>/s.exec(html)?.[1];
  return state === undefined ? undefined : (JSON.parse(state) as Record<string, SnapshotJSON>)[FLAG_SNAPSHOT_KEY as unknown as string];
}

/** Options reading the request's `?user=` (the factory form, in the render's injection context). */
function perRequest(source: TestSource): FlagClientSource {
  return () => {
    const user = new URL(inject(REQUEST)!.url).searchParams.get('user') ?? undefined;
    return { transport: source, context: { userId: user }, logger: silent };
  };
}

/** The fingerprint a snapshot rendered for `context` carries. */
const fingerprintOf = (context: EvalContext): string | undefined => renderedSnapshot(FlagSnapshot.empty, context).contextFingerprint;

describe('provideFlagClient(…, { transferState: true }) in a server render', () => {
  it("waits for the request's flags, renders them, and transfers the snapshot the HTML was rendered from", async () => {
    const source = testSource({ 'new-checkout': (context) => context.userId === 'pro' });
    source.delay(30);
    const pro = await render(perRequest(source), 'http://app.test/?user=pro');
    expect(pro).toContain('id="flagged"');
    expect(pro).not.toContain('id="default"');
    expect(transferred(pro)?.flags['new-checkout']).toMatchObject({ enabled: true, value: true });

    const anonymous = await render(perRequest(source));
    expect(anonymous).toContain('id="default"');
    expect(transferred(anonymous)?.flags['new-checkout']).toMatchObject({ value: false });
    // Each snapshot says which context it was evaluated for, so a browser with another context does not use it.
    expect(transferred(pro)?.contextFingerprint).toBe(fingerprintOf({ userId: 'pro' }));
    expect(transferred(anonymous)?.contextFingerprint).toBe(fingerprintOf({}));
    expect(fingerprintOf({ userId: 'pro' })).not.toBe(fingerprintOf({}));
    // One load per render, for the request's context; the server client neither streams nor polls.
    expect(source.requests.map((request) => request.type === 'load' && request.context.userId)).toEqual(['pro', undefined]);
  });

  it('writes a fingerprint of the context, never the context: server-only attributes stay on the server', async () => {
    const context = { userId: 'pro-7', email: 'pro-7@example.test', attributes: { accountManager: 'm.mustermann@corp.example' } };
    const html = await render(() => ({ transport: testSource({ 'new-checkout': true }), context, logger: silent }));
    expect(transferred(html)?.contextFingerprint).toBe(fingerprintOf(context));
    for (const secret of ['pro-7', 'm.mustermann', 'corp.example']) expect(html).not.toContain(secret);
  });

  it('an identify() during the render, whose load has not landed when the page is serialized, does not stamp its context on the last context’s flags', async () => {
    const source = testSource({ 'new-checkout': (context) => context.userId === 'pro' });
    @Component({ selector: 'app-root', template: '' })
    class SignsIn {
      constructor() {
        // The user is known only now; the render does not wait for this load.
        source.delay(1_000);
        inject(FLAG_CLIENT).identify({ userId: 'pro' }).catch(() => undefined);
      }
    }
    const providers = [provideZonelessChangeDetection(), provideServerRendering(), provideFlagClient(() => ({ transport: source, logger: silent }), { transferState: true })];
    const html = await renderApplication((context: BootstrapContext) => bootstrapApplication(SignsIn, { providers }, context), {
      document: '<html><head></head><body><app-root></app-root></body></html>',
      url: 'http://app.test/',
      allowedHosts: ['app.test'],
    });
    // The flags are the anonymous load's: they say so, and a browser signed in as 'pro' does not take them as its own.
    expect(transferred(html)?.flags['new-checkout']).toMatchObject({ value: false });
    expect(transferred(html)?.contextFingerprint).toBe(fingerprintOf({}));
  });

  it('closes each render’s client with the render: N renders leave no open client, stream or timer', async () => {
    const source = testSource({ 'new-checkout': true });
    const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    await render(perRequest(source));
    const before = timers();
    for (let i = 0; i < 20; i += 1) await render(perRequest(source));
    expect(rendered).toHaveLength(21);
    expect(rendered.every((client) => client.status.state === 'closed')).toBe(true);
    expect(source.openStreams).toBe(0);
    expect(source.loads).toBe(21);
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it('transfers nothing when the load fails: the page shows the default, and the browser loads as usual', async () => {
    const source = testSource({ 'new-checkout': true });
    source.fail(new ServerError(503, 'down'));
    const html = await render(() => ({ transport: source, logger: silent, timeoutMs: 200, backoff: { baseMs: 20, capMs: 20 } }));
    expect(html).toContain('id="default"');
    expect(transferred(html)).toBeUndefined();
    expect(rendered[0]!.status.state).toBe('closed');
  });

  it('needs options: a factory returning a ready-made client is a ConfigError', async () => {
    const mock = createMockClient({ flags: { 'new-checkout': true } });
    const quiet: Provider = { provide: ErrorHandler, useValue: { handleError: () => undefined } }; // the rejection is the report
    await expect(render(() => mock, undefined, [quiet])).rejects.toBeInstanceOf(ConfigError);
  });
});

