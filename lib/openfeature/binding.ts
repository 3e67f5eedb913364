import { ErrorCode, GeneralError, ProviderFatalError, instantiateErrorByErrorCode, type OpenFeatureError } from '@openfeature/core';
import type { Subscription } from 'rxjs';
import { createFlagClient, type FlagClient } from '../client/client.js';
import type { FlagClientOptions } from '../client/options.js';
import { messageOf } from '../errors.js';
import type { EvalContext } from '../types.js';
import { contextKey } from '../client/context-key.js';
import { FlagstreamEventEmitter } from './event-emitter.js';
import { errorCodeOf } from './details.js';
import { bridgeEvents } from './events.js';

/** What both providers share: the client, who owns it, its known context, and the event bridge. */
export class ClientBinding {
  /** The flag client the provider reads (created from options, or the one passed in). */
  readonly client: FlagClient;
  /** Whether the provider created the client, and so closes it. */
  readonly owned: boolean;
  /** The provider's OpenFeature events. */
  readonly events = new FlagstreamEventEmitter();
  #bridge: Subscription | undefined;
  #stopped = false;
  /** The context the provider last identified (or created) the client with. */
  #identified: EvalContext | undefined;

  constructor(source: FlagClient | FlagClientOptions) {
    if (isFlagClient(source)) {
      this.client = source;
      this.owned = false;
    } else {
      this.client = createFlagClient(source);
      this.owned = true;
      this.#identified = { ...source.context };
    }
  }

  /**
   * The client's current context: the one it exposes (the contract's `context` member), else the one
   * the provider last gave it; `undefined` when neither is known.
   */
  get context(): EvalContext | undefined {
    const exposed = (this.client as { context?: unknown }).context;
    return typeof exposed === 'object' && exposed !== null ? (exposed as EvalContext) : this.#identified;
  }

  /** Switches the client to `context` (unless it is known to be there already). */
  async identify(context: EvalContext): Promise<void> {
    const known = this.context;
    if (known && contextKey(known) === contextKey(context)) return;
    await this.client.identify(context);
    this.#identified = context;
  }

  /** Waits for the first load, then bridges events; rejects with the OpenFeature error of a failed start. */
  async start(): Promise<void> {
    const result = await this.client.ready();
    if (this.#stopped) return; // closed while waiting: bridge nothing
    this.#bridge ??= bridgeEvents(this.client, this.events);
    if (!result.ok) throw openFeatureError(result.error ?? new Error('flags could not be loaded'));
  }

  /** Ends every subscription; closes the client only if the provider created it. */
  stop(): void {
    this.#stopped = true;
    this.#bridge?.unsubscribe();
    this.#bridge = undefined;
    if (this.owned) this.client.close();
  }
}

/** The OpenFeature error for a failed call, of the code {@link errorCodeOf} gives (the cause kept where the class takes one). */
export function openFeatureError(error: unknown): OpenFeatureError {
  const message = messageOf(error);
  const code = errorCodeOf(error);
  if (code === ErrorCode.PROVIDER_FATAL) return new ProviderFatalError(message, { cause: error });
  return code === ErrorCode.GENERAL ? new GeneralError(message, { cause: error }) : instantiateErrorByErrorCode(code, message);
}

function isFlagClient(source: FlagClient | FlagClientOptions): source is FlagClient {
  return typeof (source as Partial<FlagClient>).evaluate === 'function' && typeof (source as Partial<FlagClient>).ready === 'function';
}
