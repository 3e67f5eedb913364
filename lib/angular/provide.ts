import {
  DestroyRef,
  type EnvironmentProviders,
  InjectionToken,
  type Injector,
  type Provider,
  inject,
  makeEnvironmentProviders,
  provideAppInitializer,
} from '@angular/core';
import { createFlagClient, type FlagClient, type FlagClientOptions } from 'flagstream';
import type { AppFlagTypes } from './app-flags.js';

/** The environment's {@link FlagClient}, provided by {@link provideFlagClient}. */
export const FLAG_CLIENT = new InjectionToken<FlagClient>('FLAG_CLIENT');

/** What {@link provideFlagClient} builds the client from: options, or a factory run in an injection context. */
export type FlagClientSource = FlagClientOptions | (() => FlagClientOptions | FlagClient);

/** Options of {@link provideFlagClient}. */
export interface ProvideFlagClientOptions {
  /** Hold the first render until `ready()` settles (an app initializer; bounded by `timeoutMs`). Default `false`. */
  awaitReady?: boolean;
}

/**
 * Provides one {@link FlagClient} per environment injector, created on first injection and closed
 * when that injector is destroyed, whether it came from options or from the factory.
 */
export function provideFlagClient(source: FlagClientSource, { awaitReady = false }: ProvideFlagClientOptions = {}): EnvironmentProviders {
  const providers: Array<Provider | EnvironmentProviders> = [
    {
      provide: FLAG_CLIENT,
      useFactory: (): FlagClient => {
        const made = typeof source === 'function' ? source() : source;
        const client = isFlagClient(made) ? made : createFlagClient(made);
        inject(DestroyRef).onDestroy(() => client.close());
        return client;
      },
    },
  ];
  if (awaitReady) providers.push(provideAppInitializer(() => inject(FLAG_CLIENT).ready().then(() => undefined)));
  return makeEnvironmentProviders(providers);
}

/**
 * The environment's {@link FlagClient}; call it in an injection context or pass an injector. Typed by
 * the registered {@link AppFlags}, if any.
 */
export function injectFlagClient(options: { injector?: Injector } = {}): FlagClient<AppFlagTypes> {
  return options.injector ? options.injector.get(FLAG_CLIENT) : inject(FLAG_CLIENT);
}

function isFlagClient(value: FlagClientOptions | FlagClient): value is FlagClient {
  const candidate = value as Partial<FlagClient>;
  return typeof candidate.flag$ === 'function' && typeof candidate.close === 'function';
}
