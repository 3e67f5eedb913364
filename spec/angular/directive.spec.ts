// @vitest-environment happy-dom
import { Component, Directive, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { FlagDirective, provideFlagClient } from '../../lib/angular/index.js';
import { createMockClient, type MockFlagClient } from '../../lib/testing/index.js';
import { countSubscriptions } from './testbed.js';

/** Counts the views created for its element (each creation runs the constructor once). */
@Directive({ selector: '[counted]' })
class Counted {
  static created = 0;
  constructor() {
    Counted.created += 1;
  }
}

@Component({
  selector: 'app-host',
  imports: [FlagDirective, Counted],
  template: `
    <section *flag="'new-checkout'; else legacy"><span counted>new</span></section>
    <ng-template #legacy><span counted>legacy</span></ng-template>
    <p class="banner" *flag="'banner-text'; is: 'holiday'; let text">{{ text }}!</p>
    <p class="missing" *flag="'no-such-flag'">never</p>
    <p class="keyed" *flag="key(); let value">{{ value }}</p>
  `,
})
class Host {
  readonly key = signal('new-checkout');
}

afterEach(() => TestBed.resetTestingModule());

function render(mock: MockFlagClient) {
  TestBed.configureTestingModule({ providers: [provideFlagClient(() => mock)] });
  const fixture = TestBed.createComponent(Host);
  // The rendered elements' texts, space-separated.
  const text = (): string =>
    Array.from((fixture.nativeElement as HTMLElement).children, (element) => element.textContent!.trim()).join(' ');
  return { fixture, text };
}

describe('FlagDirective', () => {
  it('shows the template while the flag is on and the else template while it is off', async () => {
    const mock = createMockClient({ flags: { 'new-checkout': true, 'banner-text': 'default' } });
    const { fixture, text } = render(mock);
    await fixture.whenStable();
    expect(text()).toBe('new true');
    mock.set('new-checkout', false);
    await fixture.whenStable();
    expect(text()).toBe('legacy');
  });

  it('compares with is: and passes the value as $implicit', async () => {
    const mock = createMockClient({ flags: { 'new-checkout': false, 'banner-text': 'default' } });
    const { fixture, text } = render(mock);
    await fixture.whenStable();
    expect(text()).toBe('legacy');
    mock.set('banner-text', 'holiday');
    await fixture.whenStable();
    expect(text()).toBe('legacy holiday!');
  });

  it('treats a missing key as off', async () => {
    const mock = createMockClient({ flags: { 'new-checkout': true } });
    const { fixture } = render(mock);
    await fixture.whenStable();
    expect((fixture.nativeElement as HTMLElement).querySelector('.missing')).toBeNull();
    mock.remove('new-checkout');
    await fixture.whenStable();
    expect((fixture.nativeElement as HTMLElement).textContent).toContain('legacy');
  });

  it('creates or destroys a view only when the condition flips', async () => {
    const mock = createMockClient({ flags: { 'new-checkout': true, 'banner-text': 'holiday' } });
    const { fixture, text } = render(mock);
    await fixture.whenStable();
    Counted.created = 0;
    mock.set('new-checkout', { key: 'new-checkout', enabled: true, value: true, variant: 'true', reason: 'rule_match', evaluatedAt: '', source: 'network' });
    mock.set('banner-text', 'holiday');
    mock.set('unrelated', 3);
    await fixture.whenStable();
    expect(Counted.created).toBe(0);
    mock.set('new-checkout', false);
    await fixture.whenStable();
    mock.set('new-checkout', true);
    await fixture.whenStable();
    expect(Counted.created).toBe(2);
    expect(text()).toBe('new holiday! true');
  });

  it('follows a key that changes', async () => {
    const mock = createMockClient({ flags: { 'new-checkout': true, beta: 'yes' } });
    const { fixture, text } = render(mock);
    await fixture.whenStable();
    fixture.componentInstance.key.set('beta');
    await fixture.whenStable();
    expect(text()).toBe('new');
    mock.set('beta', true);
    await fixture.whenStable();
    expect(text()).toBe('new true');
  });

  it('unsubscribes when its view is destroyed', async () => {
    const { client, open } = countSubscriptions(createMockClient({ flags: { 'new-checkout': true } }));
    const { fixture } = render(client);
    await fixture.whenStable();
    expect(open()).toBe(4);
    fixture.destroy();
    expect(open()).toBe(0);
  });
});
