import { Component, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { BooleanFeatureFlagDirective, FeatureFlagService, OpenFeature } from '@openfeature/angular-sdk';

/** OpenFeature's `*booleanFeatureFlag` (with `else` and `initializing`), `FeatureFlagService` as signals, and a context switch. */
@Component({
  selector: 'app-root',
  imports: [BooleanFeatureFlagDirective],
  template: `
    <h1>flagstream + OpenFeature + Angular</h1>
    <p>
      User: <b id="user">{{ user() }}</b>
      <button id="identify" type="button" (click)="signInAsAlice()">Sign in as alice (pro plan, DE)</button>
    </p>
    <ul>
      <li>new-checkout: <b id="new-checkout-value">{{ newCheckout()?.value }}</b></li>
      <li>dark-mode: <b id="dark-mode">{{ darkMode()?.value }}</b></li>
      <li>banner-text: <b id="banner-text">{{ banner()?.value }}</b> (<span id="banner-reason">{{ banner()?.reason }}</span>)</li>
    </ul>
    <section id="new-checkout" *booleanFeatureFlag="'new-checkout'; default: false; else: legacy; initializing: loading">New checkout</section>
    <ng-template #legacy><section id="legacy-checkout">Legacy checkout</section></ng-template>
    <ng-template #loading><p id="loading">Loading flags…</p></ng-template>
  `,
})
export class AppComponent {
  private readonly flags = inject(FeatureFlagService);
  readonly newCheckout = toSignal(this.flags.getBooleanDetails('new-checkout', false));
  readonly darkMode = toSignal(this.flags.getBooleanDetails('dark-mode', false));
  readonly banner = toSignal(this.flags.getStringDetails('banner-text', 'none'));
  readonly user = signal('visitor-1');

  /** A new OpenFeature context: the provider identifies its flagstream client, and every flag follows. */
  async signInAsAlice(): Promise<void> {
    await OpenFeature.setContext({ targetingKey: 'alice', plan: 'pro', country: 'DE' });
    this.user.set('alice');
  }
}
