// @vitest-environment happy-dom
import { APP_ID, Component, TransferState } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { FLAG_CLIENT, FLAG_SNAPSHOT_KEY, FlagDirective, provideFlagClient } from '../../lib/angular/index.js';
import { createFlagClient, type SnapshotJSON } from '../../lib/index.js';
import { testSource, type TestSource } from '../../lib/testing/index.js';
import { slowStream } from '../support/slow-stream.js';
import { silent, virtualTime } from '../support/virtual.js';
import './testbed.js';

@Component({
  selector: 'app-root',
  imports: [FlagDirective],
  template: `<p *flag="'new-checkout'; else legacy">new checkout</p><ng-template #legacy><p>legacy checkout</p></ng-template>`,
})
class Page {}

/** What a server render left in the page: its `ng-state` script, as Angular's TransferState reads it. */
async function serverSnapshot(): Promise<SnapshotJSON> {
  const server = createFlagClient({ transport: testSource({ 'new-checkout': true }), streaming: false, pollIntervalMs: 0, logger: silent });
  await server.ready();
  const snapshot = server.snapshot.toJSON();
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
});

describe('provideFlagClient(…, { transferState: true }) in the browser', () => {
  /** `source` served with a stream that opens 3 s late, in virtual time; the page rendered once. */
  function start(source: TestSource) {
    const ts = virtualTime();
    TestBed.configureTestingModule({
      // The application id Angular uses outside tests ('ng'), whose `ng-state` script a server render writes.
      providers: [{ provide: APP_ID, useValue: 'ng' }, provideFlagClient({ transport: slowStream(source, 3_000), scheduler: ts, pollIntervalMs: 0, logger: silent }, { transferState: true })],
    });
    const fixture = TestBed.createComponent(Page);
    fixture.detectChanges();
    const requests = (): string[] =>
      source.requests.map((request) => `${request.at}:${request.type}${request.type === 'load' ? `:${request.trigger}` : ''}`);
    return { ts, fixture, requests, client: TestBed.inject(FLAG_CLIENT) };
  }

  it('renders the server snapshot at once, takes it out of TransferState, and sends no bulk request before the stream opens', async () => {
    embed({ [FLAG_SNAPSHOT_KEY as unknown as string]: await serverSnapshot() });
    const source = testSource({ 'new-checkout': true });
    const { ts, fixture, requests, client } = start(source);
    expect(fixture.nativeElement.textContent).toBe('new checkout');
    expect(client.status.source).toBe('bootstrap');
    expect(TestBed.inject(TransferState).hasKey(FLAG_SNAPSHOT_KEY)).toBe(false);
    ts.maxFrames = 10_000;
    ts.flush();
    expect(requests()).toEqual(['3000:stream', '3000:load:initial']);
    expect(client.status.source).toBe('network');
  });

  it('without a transferred snapshot, starts as a plain client (the default first, a load within 1 s)', () => {
    const source = testSource({ 'new-checkout': true });
    const { ts, fixture, requests } = start(source);
    expect(fixture.nativeElement.textContent).toBe('legacy checkout');
    ts.maxFrames = 10_000;
    ts.flush();
    expect(requests()).toEqual(['1000:load:initial', '3000:stream', '3000:load:reconnect']);
  });
});
