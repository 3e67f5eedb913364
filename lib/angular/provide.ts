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
import { ConfigError, createFlagClient, type FlagClient, type FlagClientOptions } from 'flagstream';
import type { AppFlagTypes } from './app-flags.js';
import { transferSnapshot, transferStateOptions } from './transfer.js';

/** The environment's {@link FlagClient}, provided by {@link provideFlagClient}. */
export const FLAG_CLIENT = new InjectionToken<FlagClient>('FLAG_CLIENT');

/** What {@link provideFlagClient} builds the client from: options, or a factory run in an injection context. */
export type FlagClientSource = FlagClientOptions | (() => FlagClientOptions | FlagClient);

/** Options of {@link provideFlagClient}. */
export interface ProvideFlagClientOptions {
  /** Hold the first render until `ready()` settles (an app initializer; bounded by `timeoutMs`). Default `false`. */
  awaitReady?: boolean;
  /**
   * Server-side rendering without a flash (needs options, or a factory returning options; the factory
   * may read the request through Angular's `REQUEST` token). In a server render the client lives for
   * that request only (streaming and polling off), the render waits for its `ready()`, and its
   * snapshot goes into Angular's `TransferState`, with a fingerprint of its context. In the browser the
   * client starts from that snapshot (`bootstrap` with `freshBootstrap`) if its context is the same: the
   * first render equals the server HTML, and no bulk request goes out before the change stream opens.
   * With another context it does not use it (one warning) and loads as usual. Default `false`.
   */
  transferState?: boolean;
}

/**
 * Provides one {@link FlagClient} per environment injector, created on first injection and closed
 * when that injector is destroyed, whether it came from options or from the factory.
 */
export function provideFlagClient(
  source: FlagClientSource,
  { awaitReady, transferState }: ProvideFlagClientOptions = {},
): EnvironmentProviders {
  const providers: Array<Provider | EnvironmentProviders> = [
    {
      provide: FLAG_CLIENT,
      useFactory: (): FlagClient => {
        const made = typeof source === 'function' ? source() : source;
        // A client has methods; options have none (a factory may return either).
        const given = typeof (made as Partial<FlagClient>).flag$ === 'function';
        if (given && transferState) throw new ConfigError('transferState', 'needs options, not a client');
        const client = given ? (made as FlagClient) : createFlagClient(transferState ? transferStateOptions(made as FlagClientOptions) : (made as FlagClientOptions));
        inject(DestroyRef).onDestroy(() => client.close());
        return client;
      },
    },
  ];
  if (transferState) providers.push(provideAppInitializer(() => transferSnapshot(inject(FLAG_CLIENT))));
  if (awaitReady) providers.push(provideAppInitializer(() => inject(FLAG_CLIENT).ready()));
  return makeEnvironmentProviders(providers);
}

/**
 * The environment's {@link FlagClient}; call it in an injection context or pass an injector. Typed by
 * the registered {@link AppFlags}, if any.
 */
export function injectFlagClient(options: { injector?: Injector } = {}): FlagClient<AppFlagTypes> {
  return options.injector ? options.injector.get(FLAG_CLIENT) : inject(FLAG_CLIENT);
}
