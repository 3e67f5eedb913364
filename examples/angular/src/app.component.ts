import { Component, signal } from '@angular/core';
import { FlagDirective, flagSignal, flagStatus, injectFlagClient } from 'flagstream/angular';

/** Flags as signals, `*flag` with `else` and `is:`, the client's status, and a context switch. */
@Component({
  selector: 'app-root',
  imports: [FlagDirective],
  template: `
    <h1>flagstream + Angular</h1>
    <p>Client: <b id="status">{{ status().state }}</b>, <span id="streaming">{{ status().streaming ? 'streaming' : 'not streaming' }}</span></p>
    <p>
      User: <b id="user">{{ user() }}</b>
      <button id="identify" type="button" (click)="signInAsAlice()">Sign in as alice (pro plan, DE)</button>
    </p>
    <ul>
      <li>dark-mode: <b id="dark-mode">{{ darkMode() }}</b></li>
      <li>banner-text: <b id="banner-text">{{ banner() }}</b></li>
      <li>max-items: <b id="max-items">{{ maxItems() }}</b></li>
    </ul>
    <section id="new-checkout" *flag="'new-checkout'; else legacy">New checkout</section>
    <ng-template #legacy><section id="legacy-checkout">Legacy checkout</section></ng-template>
    <p id="sale" *flag="'banner-text'; is: 'holiday-sale'; let text">Banner: {{ text }}</p>
  `,
})
export class AppComponent {
  readonly darkMode = flagSignal('dark-mode', false);
  readonly banner = flagSignal('banner-text', 'none');
  readonly maxItems = flagSignal('max-items', 10);
  readonly status = flagStatus();
  readonly user = signal('visitor-1');
  private readonly client = injectFlagClient();

  async signInAsAlice(): Promise<void> {
    await this.client.identify({ userId: 'alice', attributes: { plan: 'pro', country: 'DE' } });
    this.user.set('alice');
  }
}
