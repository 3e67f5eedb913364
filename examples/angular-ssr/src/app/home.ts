import { Component } from '@angular/core';
import { FlagDirective, flagSignal, flagStatus } from 'flagstream/angular';

/** Flag-dependent markup: the same on the server and, after hydration, in the browser. */
@Component({
  selector: 'app-home',
  imports: [FlagDirective],
  template: `
    <h1>flagstream + Angular SSR</h1>
    <p>Values from: <b id="source">{{ status().source }}</b>, <span id="streaming">{{ status().streaming ? 'streaming' : 'not streaming' }}</span></p>
    <p>dark-mode: <b id="dark-mode">{{ darkMode() }}</b></p>
    <section id="new-checkout" *flag="'new-checkout'; else legacy">New checkout</section>
    <ng-template #legacy><section id="legacy-checkout">Legacy checkout</section></ng-template>
    <p id="sale" *flag="'banner-text'; is: 'holiday-sale'; else welcome">Holiday sale!</p>
    <ng-template #welcome><p id="welcome">Welcome</p></ng-template>
  `,
})
export class Home {
  readonly darkMode = flagSignal('dark-mode', false);
  readonly status = flagStatus();
}
