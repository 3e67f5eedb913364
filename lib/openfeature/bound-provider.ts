import type { FlagClient } from '../client/client.js';
import type { FlagClientOptions } from '../client/options.js';
import { ClientBinding } from './binding.js';

/**
 * What the web and server providers share: the binding to a flagstream client (owned or lent), the
 * provider's OpenFeature events, the client itself, and closing.
 */
export abstract class BoundProvider {
  readonly metadata = { name: 'flagstream' } as const;
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

  /** Ends the event bridge; closes the client only if the provider created it. */
  async onClose(): Promise<void> {
    this.binding.stop();
  }
}
