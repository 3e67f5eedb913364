// @vitest-environment happy-dom
import { ApplicationInitStatus, Component, EnvironmentInjector, InjectionToken, createEnvironmentInjector, inject, runInInjectionContext } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { TestScheduler } from 'rxjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { FLAG_CLIENT, flagSignal, flagStatus, injectFlagClient, provideFlagClient } from '../../lib/angular/index.js';
import { ServerError, createFlagClient } from '../../lib/index.js';
import { createMockClient, testSource } from '../../lib/testing/index.js';
import { silent } from '../support/virtual.js';
import { countSubscriptions } from './testbed.js';

afterEach(() => TestBed.resetTestingModule());

describe('flagSignal', () => {
  it('is typed by the default and follows changes', () => {
    const mock = createMockClient({ flags: { 'dark-mode': true, 'banner-text': 'holiday', 'max-items': 50, layout: { columns: 2 } } });
    TestBed.configureTestingModule({ providers: [provideFlagClient(() => mock)] });
    const [dark, banner, max, layout] = TestBed.runInInjectionContext(() => [
      flagSignal('dark-mode', false),
      flagSignal('banner-text', 'none'),
      flagSignal('max-items', 10),
      flagSignal('layout', { columns: 1 }),
    ]);
    expect([dark(), banner(), max(), layout()]).toEqual([true, 'holiday', 50, { columns: 2 }]);
    mock.set({ 'dark-mode': false, 'banner-text': 'default', 'max-items': 'oops', layout: { columns: 3 } });
    expect([dark(), banner(), max(), layout()]).toEqual([false, 'default', 10, { columns: 3 }]);
  });

  it('holds the default until the first load, then keeps the last good value through errors', async () => {
    const scheduler = new TestScheduler(() => undefined);
    const source = testSource({ 'banner-text': 'holiday' });
    source.delay(100);
    TestBed.configureTestingModule({
      providers: [provideFlagClient({ transport: source, scheduler, streaming: false, pollIntervalMs: 0, logger: silent })],
    });
    const banner = TestBed.runInInjectionContext(() => flagSignal('banner-text', 'none'));
    expect(banner()).toBe('none');
    scheduler.flush();
    expect(banner()).toBe('holiday');

    const client = TestBed.inject(FLAG_CLIENT);
    source.set('banner-text', 'default');
    source.fail(new ServerError(503, 'down'));
    const refreshed = client.refresh();
    scheduler.flush();
    await expect(refreshed).rejects.toBeInstanceOf(ServerError);
    expect(banner()).toBe('holiday');
  });

  it('works outside an injection context with an injector, and unsubscribes with its DestroyRef', () => {
    const { client, open } = countSubscriptions(createMockClient({ flags: { 'dark-mode': true } }));
    const parent = TestBed.inject(EnvironmentInjector);
    const env = createEnvironmentInjector([provideFlagClient(() => client)], parent);
    const dark = flagSignal('dark-mode', false, { injector: env });
    const status = flagStatus({ injector: env });
    expect(dark()).toBe(true);
    expect(status().state).toBe('ready');
    expect(open()).toBe(1);
    env.destroy();
    expect(open()).toBe(0);
  });

  it('throws a clear error outside an injection context without an injector', () => {
    expect(() => flagSignal('dark-mode', false)).toThrow(/injection context/);
    expect(() => flagStatus()).toThrow(/injection context/);
  });

  it('ends with the component that created it', () => {
    const { client, open } = countSubscriptions(createMockClient({ flags: { 'dark-mode': true } }));
    @Component({ selector: 'app-dark', template: '{{ dark() }}' })
    class DarkComponent {
      readonly dark = flagSignal('dark-mode', false);
    }
    TestBed.configureTestingModule({ providers: [provideFlagClient(() => client)] });
    const fixture = TestBed.createComponent(DarkComponent);
    fixture.detectChanges();
    expect(fixture.nativeElement.textContent).toBe('true');
    expect(open()).toBe(1);
    fixture.destroy();
    expect(open()).toBe(0);
    expect(client.status.state).toBe('ready');
  });
});

describe('flagStatus', () => {
  it('follows the client status', () => {
    const mock = createMockClient();
    TestBed.configureTestingModule({ providers: [provideFlagClient(() => mock)] });
    const status = TestBed.runInInjectionContext(() => flagStatus());
    expect(status().state).toBe('ready');
    mock.setStatus({ state: 'stale', circuit: 'open' });
    expect(status()).toMatchObject({ state: 'stale', circuit: 'open' });
  });
});

describe('provideFlagClient', () => {
  it('creates one client per environment injector on first injection, and closes it with that injector', () => {
    const source = testSource({ 'dark-mode': true });
    const parent = TestBed.inject(EnvironmentInjector);
    const env = createEnvironmentInjector([provideFlagClient({ transport: source, streaming: false, pollIntervalMs: 0, logger: silent })], parent);
    expect(source.loads).toBe(0);
    const client = env.get(FLAG_CLIENT);
    expect(env.get(FLAG_CLIENT)).toBe(client);
    expect(runInInjectionContext(env, () => injectFlagClient())).toBe(client);
    expect(injectFlagClient({ injector: env })).toBe(client);
    const child = createEnvironmentInjector([provideFlagClient({ transport: source, logger: silent })], env);
    const other = child.get(FLAG_CLIENT);
    expect(other).not.toBe(client);
    child.destroy();
    expect(other.status.state).toBe('closed');
    expect(client.status.state).not.toBe('closed');
    env.destroy();
    expect(client.status.state).toBe('closed');
  });

  it('runs the factory in an injection context, once, and closes the client it returns', async () => {
    const FLAG_ENV = new InjectionToken<string>('FLAG_ENV');
    let calls = 0;
    const source = testSource({ 'seen-environment': (context) => String(context.attributes?.['environment']) });
    const parent = TestBed.inject(EnvironmentInjector);
    const env = createEnvironmentInjector(
      [
        { provide: FLAG_ENV, useValue: 'production' },
        provideFlagClient(() => {
          calls += 1;
          const environment = inject(FLAG_ENV);
          return createFlagClient({ transport: source, context: { attributes: { environment } }, streaming: false, pollIntervalMs: 0, logger: silent });
        }),
      ],
      parent,
    );
    expect(calls).toBe(0);
    const client = env.get(FLAG_CLIENT);
    env.get(FLAG_CLIENT);
    expect(calls).toBe(1);
    await client.ready();
    expect(client.string('seen-environment', 'none')).toBe('production');
    env.destroy();
    expect(client.status.state).toBe('closed');
  });

  it('with awaitReady, holds app initialization until ready() settles', async () => {
    const scheduler = new TestScheduler(() => undefined);
    const source = testSource({ 'dark-mode': true });
    source.delay(100);
    TestBed.configureTestingModule({
      providers: [provideFlagClient({ transport: source, scheduler, streaming: false, pollIntervalMs: 0, logger: silent }, { awaitReady: true })],
    });
    const init = TestBed.inject(ApplicationInitStatus);
    expect(init.done).toBe(false);
    expect(source.loads).toBe(1);
    scheduler.flush();
    await init.donePromise;
    expect(init.done).toBe(true);
    expect(TestBed.inject(FLAG_CLIENT).bool('dark-mode')).toBe(true);
  });

  it('with awaitReady, still starts when the first load fails (ready() never rejects)', async () => {
    const scheduler = new TestScheduler(() => undefined);
    const source = testSource();
    source.fail(new ServerError(503, 'down'));
    TestBed.configureTestingModule({
      providers: [provideFlagClient({ transport: source, scheduler, streaming: false, pollIntervalMs: 0, timeoutMs: 500, logger: silent }, { awaitReady: true })],
    });
    const init = TestBed.inject(ApplicationInitStatus);
    scheduler.flush();
    await init.donePromise;
    expect(TestBed.inject(FLAG_CLIENT).bool('dark-mode', false)).toBe(false);
  });
});
