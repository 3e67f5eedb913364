import 'zone.js';
import '@angular/compiler';
import { Component, provideZoneChangeDetection } from '@angular/core';
import { bootstrapApplication, type BootstrapContext } from '@angular/platform-browser';
import { provideServerRendering, renderApplication } from '@angular/platform-server';
import { describe, expect, it } from 'vitest';
import { FlagDirective, provideFlagClient } from '../../lib/angular/index.js';
import { ServerError } from '../../lib/index.js';
import { testSource, type TestSource } from '../../lib/testing/index.js';
import { silent } from '../support/virtual.js';

@Component({
  selector: 'app-root',
  imports: [FlagDirective],
  template: `<p *flag="'new-checkout'; else legacy" id="flagged">new checkout</p>
    <ng-template #legacy><p id="default">legacy checkout</p></ng-template>`,
})
class Page {}

/** One zone-based server render with `transferState`; retries every 20 ms while the load fails. */
function render(source: TestSource): Promise<string> {
  const options = { transport: source, logger: silent, timeoutMs: 200, backoff: { baseMs: 20, capMs: 20 } };
  const providers = [provideZoneChangeDetection(), provideServerRendering(), provideFlagClient(() => options, { transferState: true })];
  return renderApplication((context: BootstrapContext) => bootstrapApplication(Page, { providers }, context), {
    document: '<html><head></head><body><app-root></app-root></body></html>',
    url: 'http://app.test/',
    allowedHosts: ['app.test'],
  });
}

describe('provideFlagClient(…, { transferState: true }) in a zone-based server render', () => {
  it('ends when the load fails: the client retries outside the zone, so the zone becomes stable', async () => {
    const source = testSource({ 'new-checkout': true });
    source.fail(new ServerError(503, 'down'));
    // The retries were Angular-zone timers: the zone never became stable and the render never ended.
    const html = await render(source);
    expect(html).toContain('id="default"');
    expect(html).not.toContain('flagstream.snapshot');
    expect(source.loads).toBeGreaterThan(1);
  }, 5000);

  it('renders and transfers the loaded flags', async () => {
    const html = await render(testSource({ 'new-checkout': true }));
    expect(html).toContain('id="flagged"');
    expect(html).toContain('flagstream.snapshot');
  }, 5000);
});
