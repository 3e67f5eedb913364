import type { EvaluationContext, FlagValueType, ResolutionDetails } from '@openfeature/core';
import { ConfigError, isTerminal } from '../errors.js';
import { BoundProvider } from './bound-provider.js';
import { isEmptyContext, toEvalContext } from './context.js';
import { errorDetails, openFeatureError } from './details.js';

/**
 * flagstream as a provider for the OpenFeature web SDK (static context). Every resolution is a
 * synchronous read of the client's snapshot; a context change runs `client.identify()`, during which
 * the SDK reports RECONCILING. A context with an attribute that is not JSON data (a `Map`; see
 * `toEvalContext`) rejects `initialize`/`onContextChange` with an `InvalidContextError` naming its path
 * (the SDK reports ERROR), and every resolution answers the default with `INVALID_CONTEXT` until a
 * valid context arrives: the client's values are another context's. Pass a `FlagClient` (the provider never closes it) or
 * `FlagClientOptions` (the provider creates the client and closes it in `onClose`).
 */
export class FlagstreamWebProvider extends BoundProvider<true> {
  /** Tells the OpenFeature SDKs this is a client-side (static context) provider. */
  readonly runsOn = 'client' as const;
  /** The client holds one static context, so the SDK binds an instance to at most one domain. */
  readonly domainScoped = true;

  /** Identifies the client with `context` when it differs from the client's, then waits for the first load. */
  initialize(context?: EvaluationContext): Promise<void> {
    this.opened();
    // A transient failure to identify is reported by ready() in start(); only a terminal one (PROVIDER_FATAL) or an invalid context stops here.
    const identified = isEmptyContext(context) ? Promise.resolve() : this.switchTo(context!, isTerminal);
    return this.settled(
      identified.then(
        () => this.start(),
        (error: unknown) => {
          // An invalid context still bridges the client's events: a valid one later makes the provider whole.
          if (this.invalid) this.listen();
          throw error;
        },
      ),
    );
  }

  /** Switches the client to the new context; the SDK shows RECONCILING until it resolves. */
  onContextChange(_oldContext: EvaluationContext, newContext: EvaluationContext): Promise<void> {
    return this.settled(this.switchTo(newContext));
  }

  protected override resolve<T>(flagKey: string, defaultValue: T, _context: EvaluationContext | undefined, type: FlagValueType): ResolutionDetails<T> {
    return this.invalid ? errorDetails(this.invalid, defaultValue) : this.read(flagKey, defaultValue, type);
  }

  /**
   * Identifies the client with `context`; an invalid context, or a failure `fatal` picks (without it:
   * any), rejects with its OpenFeature error. An invalid context is answered as such until the next valid one.
   */
  private async switchTo(context: EvaluationContext, fatal?: (error: unknown) => boolean): Promise<void> {
    try {
      this.invalid = undefined;
      await this.identify(toEvalContext(context));
    } catch (error) {
      // Set here, cleared only by the next switch: a change that fails late never clears a later one's.
      const bad = error instanceof ConfigError;
      if (bad) this.invalid = error;
      if (bad || !fatal || fatal(error)) throw openFeatureError(error);
    }
  }
}
