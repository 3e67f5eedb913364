import { type Injector, type Signal, assertInInjectionContext, inject, Injector as InjectorToken } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import type { ClientStatus, FlagValueOf, JsonValue, TypedKey, UntypedKey } from 'flagstream';
import type { AppFlagTypes } from './app-flags.js';
import { FLAG_CLIENT } from './provide.js';

/** Options of {@link flagSignal} and {@link flagStatus}. */
export interface FlagSignalOptions {
  /** Where to find the client and whose `DestroyRef` ends the subscription (needed outside an injection context). */
  injector?: Injector;
}

/**
 * A signal of one flag's value, typed by the default (boolean, string, number or JSON, an
 * interface-typed default included). It holds the default until the first load, follows every
 * change, keeps the last good value through errors, and unsubscribes when the owning `DestroyRef` is
 * destroyed. With a registered flags interface ({@link AppFlags}) the key must be one of its flags and
 * the signal has the flag's declared type.
 */
export function flagSignal(key: UntypedKey<AppFlagTypes>, def: boolean, options?: FlagSignalOptions): Signal<boolean>;
export function flagSignal(key: UntypedKey<AppFlagTypes>, def: string, options?: FlagSignalOptions): Signal<string>;
export function flagSignal(key: UntypedKey<AppFlagTypes>, def: number, options?: FlagSignalOptions): Signal<number>;
export function flagSignal<T extends JsonValue | object>(key: UntypedKey<AppFlagTypes>, def: T, options?: FlagSignalOptions): Signal<T>;
export function flagSignal<K extends TypedKey<AppFlagTypes>>(
  key: K,
  def: FlagValueOf<AppFlagTypes, K, JsonValue>,
  options?: FlagSignalOptions,
): Signal<FlagValueOf<AppFlagTypes, K, JsonValue>>;
export function flagSignal<T extends JsonValue | object>(key: string, def: T, options: FlagSignalOptions = {}): Signal<T> {
  const injector = owner(flagSignal, options);
  return toSignal(injector.get(FLAG_CLIENT).value$(key, def), { initialValue: def, injector });
}

/** A signal of the client's status (`state`, `source`, `circuit`, `streaming`, …), ended with the owning `DestroyRef`. */
export function flagStatus(options: FlagSignalOptions = {}): Signal<ClientStatus> {
  const injector = owner(flagStatus, options);
  const client = injector.get(FLAG_CLIENT);
  return toSignal(client.status$, { initialValue: client.status, injector });
}

function owner(caller: (...args: never[]) => unknown, options: FlagSignalOptions): Injector {
  return options.injector ?? (assertInInjectionContext(caller), inject(InjectorToken));
}
