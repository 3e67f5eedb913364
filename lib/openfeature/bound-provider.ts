import type { EvaluationContext, TrackingEventDetails } from '@openfeature/core';
import type { FlagClient } from '../client/client.js';
import type { FlagClientOptions } from '../client/options.js';
import { ClientBinding } from './binding.js';
import { toTrackEvent } from './tracking.js';

/**
 * What the web and server providers share: the binding to a flagstream client (owned or lent), the
 * provider's OpenFeature events, the client itself, and closing.
 */
export abstract class BoundProvider {
  /** The provider's name for the OpenFeature SDK: `flagstream`. */
  readonly metadata = { name: 'flagstream' } as const;
  /**
   * The client (owned or lent) and the event bridge.
   * @internal
   */
  protected readonly binding: ClientBinding;

  constructor(clientOrOptions: FlagClient | FlagClientOptions) {
    this.binding = new ClientBinding(clientOrOptions);
  }

  /** The provider's OpenFeature events (the SDK subscribes to them). */
  get events(): ClientBinding['events'] {
    return this.binding.events;
  }

  /** The flag client behind the provider, for its observables and the rest of its API. */
  get client(): FlagClient {
    return this.binding.client;
  }

  /**
   * OpenFeature tracking: the event goes to `client.track` (the details' `flagKey` and `value`, the
   * context's `targetingKey` as `userId`, other details as `metadata`), which sends it
   * in batches where the transport has an events endpoint (Rollgate) and drops it elsewhere (Cuttlegate,
   * OFREP: one warning). A bad event (no `flagKey`, a value that is not a finite number) throws the
   * client's `ConfigError`, which the SDK logs.
   */
  track(trackingEventName: string, context: EvaluationContext, trackingEventDetails: TrackingEventDetails): void {
    this.binding.client.track(toTrackEvent(trackingEventName, context, trackingEventDetails));
  }

  /** Ends the event bridge; closes the client only if the provider created it. */
  async onClose(): Promise<void> {
    this.binding.stop();
  }
}
