// @vitest-environment happy-dom
import 'zone.js';
import { Component, NgZone, provideZoneChangeDetection } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { FlagDirective, flagSignal, provideFlagClient } from '../../lib/angular/index.js';
import { createMockClient } from '../../lib/testing/index.js';
import './testbed.js';

@Component({
  selector: 'app-zoned',
  imports: [FlagDirective],
  template: `<b>{{ banner() }}</b><p *flag="'new-checkout'; else legacy">new</p><ng-template #legacy><p>legacy</p></ng-template>`,
})
class Zoned {
  readonly banner = flagSignal('banner-text', 'none');
}

afterEach(() => TestBed.resetTestingModule());

describe('flagstream/angular with zone.js', () => {
  it('updates signals and the directive under zone-based change detection', async () => {
    const mock = createMockClient({ flags: { 'new-checkout': true, 'banner-text': 'welcome' } });
    TestBed.configureTestingModule({ providers: [provideZoneChangeDetection(), provideFlagClient(() => mock)] });
    expect(TestBed.inject(NgZone).constructor.name).toBe('NgZone');
    const fixture = TestBed.createComponent(Zoned);
    fixture.autoDetectChanges();
    await fixture.whenStable();
    const text = (): string => (fixture.nativeElement as HTMLElement).textContent!;
    expect(text()).toBe('welcomenew');
    // A change arriving inside the Angular zone, as a fetch callback would.
    TestBed.inject(NgZone).run(() => mock.set({ 'new-checkout': false, 'banner-text': 'holiday-sale' }));
    await fixture.whenStable();
    expect(text()).toBe('holiday-salelegacy');
    // And one arriving outside it (a callback Angular does not track).
    TestBed.inject(NgZone).runOutsideAngular(() => mock.set('new-checkout', true));
    await fixture.whenStable();
    expect(text()).toBe('holiday-salenew');
  });
});
