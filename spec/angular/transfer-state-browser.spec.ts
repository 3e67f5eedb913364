// @vitest-environment happy-dom
import { APP_ID, Component, TransferState } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { FLAG_CLIENT, FLAG_SNAPSHOT_KEY, FlagDirective, provideFlagClient } from '../../lib/angular/index.js';
import { createFlagClient, renderedSnapshot, type EvalContext, type FlagClientOptions, type SnapshotJSON } from '../../lib/index.js';
import { testSource, type TestSource } from '../../lib/testing/index.js';
import type { Transport } from '../../lib/transports/transport.js';
import { captureLog } from '../support/log-capture.js';
import { slowStream } from '../support/slow-stream.js';
import { silent, virtualTime } from '../support/virtual.js';
import './testbed.js';

@Component({
  selector: 'app-root',
  imports: [FlagDirective],
  template: `<p *flag="'new-checkout'; else legacy">new checkout</p><ng-template #legacy><p>legacy checkout</p></ng-template>`,
})
class Page {}

/** The new checkout: for signed-in users only. */
const signedIn = { 'new-checkout': (context: EvalContext) => context.userId !== undefined };

/** What a server render for `context` left in the page for the browser (what `transferSnapshot` serializes). */
async function serverSnapshot(context: EvalContext): Promise<SnapshotJSON> {
  const server = createFlagClient({ transport: testSource(signedIn), context, streaming: false, pollIntervalMs: 0, logger: silent });
  await server.ready();
  const snapshot = renderedSnapshot(server.snapshot, server.context);
  server.close();
  return snapshot;
}

function embed(state: Record<string, unknown>): void {
  const script = document.createElement('script');
  script.id = 'ng-state';
  script.type = 'application/json';
  script.textContent = JSON.stringify(state);
  document.body.append(script);
}

afterEach(() => {
  TestBed.resetTestingModule();
  document.getElementById('ng-state')?.remove();
  localStorage.clear();
});

describe('provideFlagClient(…, { transferState: true }) in the browser', () => {
  /**
   * `source` served with a stream that opens 3 s late (or `transport`), in virtual time; the page
   * rendered once. The context is the signed-in user an app keeps in `localStorage`, if any.
   */
  function start(source: TestSource, transport: Transport = slowStream(source, 3_000), logger = silent) {
    const ts = virtualTime();
    const options = (): FlagClientOptions => ({ transport, scheduler: ts, pollIntervalMs: 0, logger, context: { userId: localStorage.getItem('user') ?? undefined } });
    TestBed.configureTestingModule({
      // The application id Angular uses outside tests ('ng'), whose `ng-state` script a server render writes.
      providers: [{ provide: APP_ID, useValue: 'ng' }, provideFlagClient(options, { transferState: true })],
    });
    const fixture = TestBed.createComponent(Page);
    fixture.detectChanges();
    const requests = (): string[] =>
      source.requests.map((request) => `${request.at}:${request.type}${request.type === 'load' ? `:${request.trigger}` : ''}`);
    return { ts, fixture, requests, client: TestBed.inject(FLAG_CLIENT) };
  }

  it('renders the server snapshot at once, takes it out of TransferState, and sends no bulk request before the stream opens', async () => {
    localStorage.setItem('user', 'u1');
    embed({ [FLAG_SNAPSHOT_KEY as unknown as string]: await serverSnapshot({ userId: 'u1' }) });
    const source = testSource(signedIn);
    const { ts, fixture, requests, client } = start(source);
    expect(fixture.nativeElement.textContent).toBe('new checkout');
    expect(client.status.source).toBe('bootstrap');
    expect(TestBed.inject(TransferState).hasKey(FLAG_SNAPSHOT_KEY)).toBe(false);
    ts.maxFrames = 10_000;
    ts.flush();
    expect(requests()).toEqual(['3000:stream', '3000:load:initial']);
    expect(client.status.source).toBe('network');
  });

  it("never serves another context's render: the anonymous page's flags are not the signed-in user's; it loads at once and warns once", async () => {
    // The server rendered the anonymous page (it cannot see localStorage); the browser's user is u1.
    const rendered = await serverSnapshot({});
    expect(rendered.flags['new-checkout']).toMatchObject({ value: false });
    embed({ [FLAG_SNAPSHOT_KEY as unknown as string]: rendered });
    localStorage.setItem('user', 'u1');
    const source = testSource(signedIn);
    source.delay(100);
    const log = captureLog();
    const { ts, fixture, requests, client } = start(source, source, log.logger);
    // Not the anonymous value (false, from `bootstrap`): the default, and a status that says nothing is served yet.
    expect(fixture.nativeElement.textContent).toBe('legacy checkout');
    expect(client.evaluate('new-checkout')).toMatchObject({ source: 'default', value: undefined });
    expect(client.status).toMatchObject({ source: 'none', state: 'initializing' });
    expect(TestBed.inject(TransferState).hasKey(FLAG_SNAPSHOT_KEY)).toBe(false);
    expect(log.lines).toEqual(['server-rendered flags not used: not evaluated for this context']);

    ts.maxFrames = 10_000;
    ts.flush();
    // u1's own load went out at once (with the stream), not when a flag next changes.
    expect(requests()).toEqual(['0:stream', '0:load:initial']);
    expect(source.requests.every((request) => request.type !== 'load' || request.context.userId === 'u1')).toBe(true);
    fixture.detectChanges();
    expect(fixture.nativeElement.textContent).toBe('new checkout');
    expect(client.status).toMatchObject({ source: 'network', state: 'ready' });
    expect(log.lines).toHaveLength(1);
  });

  it('without a transferred snapshot, starts as a plain client (the default first, a load within 1 s)', () => {
    localStorage.setItem('user', 'u1');
    const source = testSource(signedIn);
    const { ts, fixture, requests } = start(source);
    expect(fixture.nativeElement.textContent).toBe('legacy checkout');
    ts.maxFrames = 10_000;
    ts.flush();
    expect(requests()).toEqual(['1000:load:initial', '3000:stream', '3000:load:reconnect']);
  });
});
