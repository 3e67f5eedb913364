import { ChangeDetectorRef, Directive, type EmbeddedViewRef, type OnChanges, type OnDestroy, TemplateRef, ViewContainerRef, inject } from '@angular/core';
import { type AnyFlagKey, type JsonValue, isFlagNotFound } from 'flagstream';
import type { Subscription } from 'rxjs';
import type { AppFlagTypes } from './app-flags.js';
import { FLAG_CLIENT } from './provide.js';

/** The template context of {@link FlagDirective}: `$implicit` is the flag's current value. */
export interface FlagContext {
  /** The flag's current value (`*flag="'key'; let value"`). */
  $implicit: JsonValue | undefined;
  /** The same value under the directive's name (`*flag="'key' as value"`). */
  flag: JsonValue | undefined;
}

/**
 * Shows its template while a flag is on: `*flag="'new-checkout'; else legacy"` (the boolean value),
 * or `*flag="'banner-text'; is: 'holiday'; let text"` (the typed value `===` the given one). A
 * missing key is off. Views are created or destroyed only when the condition flips.
 *
 * The key is a `string`, or, once the app registers its flags interface ({@link AppFlags}), one of
 * its keys: with `strictTemplates`, Angular's template type-checker then rejects an unknown key.
 */
@Directive({
  selector: '[flag]',
  inputs: [{ name: 'flag', required: true }, 'flagElse', 'flagIs'],
})
export class FlagDirective implements OnChanges, OnDestroy {
  /** The flag key: any string, or a key of the registered {@link AppFlags}. */
  flag = '' as AnyFlagKey<AppFlagTypes>;
  /** Shown while the condition is false. */
  flagElse: TemplateRef<FlagContext> | null | undefined;
  /** When set, the condition is `value === flagIs` instead of the boolean value. */
  flagIs: JsonValue | undefined;

  readonly #client = inject(FLAG_CLIENT);
  readonly #container = inject(ViewContainerRef);
  readonly #template = inject<TemplateRef<FlagContext>>(TemplateRef);
  readonly #changeDetector = inject(ChangeDetectorRef);
  /** Filled by the first render, before any view is created from it. */
  readonly #context = {} as FlagContext;
  #subscription: Subscription | undefined;
  #subscribedKey: string | undefined;
  #shown: TemplateRef<FlagContext> | null | undefined;
  #view: EmbeddedViewRef<FlagContext> | undefined;

  /** Narrows the template context for type-checked templates. */
  static ngTemplateContextGuard(_directive: FlagDirective, _context: unknown): _context is FlagContext {
    return true;
  }

  ngOnChanges(): void {
    if (this.flag !== this.#subscribedKey) {
      this.#subscription?.unsubscribe();
      this.#subscribedKey = this.flag;
      this.#subscription = this.#client.flag$(this.flag).subscribe(() => this.#render());
    }
    this.#render();
  }

  /** Ends the subscription to the flag. */
  ngOnDestroy(): void {
    this.#subscription?.unsubscribe();
  }

  #render(): void {
    const key = this.flag;
    const result = this.#client.evaluate(key);
    const value = isFlagNotFound(result) ? undefined : result.value;
    const on = this.flagIs === undefined ? value !== undefined && this.#client.bool(key) : value === this.flagIs;
    const wanted = on ? this.#template : (this.flagElse ?? null);
    let changed = this.#context.$implicit !== value;
    this.#context.flag = this.#context.$implicit = value;
    if (wanted !== this.#shown || (this.#view === undefined && wanted !== null)) {
      this.#container.clear();
      this.#view = wanted ? this.#container.createEmbeddedView(wanted, this.#context) : undefined;
      this.#shown = wanted;
      changed = true;
    }
    if (changed) this.#changeDetector.markForCheck();
  }
}
