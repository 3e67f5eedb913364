import type { EvaluationContext, FlagValueType, ResolutionDetails } from '@openfeature/core';
import { filter, merge, type Subscription } from 'rxjs';
import { BoundProvider } from './bound-provider.js';
import { contextKey } from '../client/context-key.js';
import { isEmptyContext, toEvalContext } from './context.js';
import { errorDetails, toDetails, unavailable } from './details.js';

/**
 * flagstream as a provider for the OpenFeature server SDK (dynamic context). An evaluation for the
 * context the client's snapshot holds (or an empty one) reads the snapshot; any other context is
 * answered from `client.snapshotFor(context)`: one round trip per context, cached by the client until
 * the flags change. Only a snapshot answer says `STALE` while the client is stale; another context's
 * gives its own load's reason. A context the client was just identified with counts as its own once its values
 * arrived, not before. A context with an attribute that is not JSON data (a `Map`; see `toEvalContext`)
 * answers the default with `INVALID_CONTEXT` and the attribute's path. Pass a `FlagClient` (the provider never closes it) or `FlagClientOptions` (the provider
 * creates the client and closes it in `onClose`).
 */
export class FlagstreamServerProvider extends BoundProvider<false> {
  /** Tells the OpenFeature SDKs this is a server-side (dynamic context) provider. */
  readonly runsOn = 'server' as const;
  /** The key of the context the client's snapshot holds: the client's when the snapshot last changed or a load landed. */
  private loadedFor: string | undefined;
  private following: Subscription | undefined;

  /** Waits for the client's first load. */
  initialize(): Promise<void> {
    this.opened();
    const { client } = this;
    // Every snapshot and landed load is the client's context of that moment (it drops any other's).
    this.following ??= merge(client.flags$, client.events$.pipe(filter((event) => event.type === 'refreshed'))).subscribe(() => {
      const known = this.knownContext;
      this.loadedFor = known && contextKey(known);
    });
    return this.settled(this.start());
  }

  /** Stops following the client, then closes it if the provider created it. */
  override async onClose(): Promise<void> {
    this.following?.unsubscribe();
    this.following = undefined;
    await super.onClose();
  }

  protected override async resolve<T>(flagKey: string, defaultValue: T, context: EvaluationContext | undefined, type: FlagValueType): Promise<ResolutionDetails<T>> {
    // A failure (an attribute that is not JSON data: INVALID_CONTEXT; another context's failed load) is
    // the caller's default with its code: an evaluation never throws.
    try {
      const target = isEmptyContext(context) ? undefined : toEvalContext(context!);
      // The context the snapshot holds (compared by value), or none, reads the snapshot; another is answered by a request of its own.
      if (!target || contextKey(target) === this.loadedFor) return this.read(flagKey, defaultValue, type);
      // That answer is its own load's (fresh, cached within `snapshotForMaxAgeMs`, or held with the reason `stale` in its results): the client's staleness is not its.
      return unavailable(this.client.status, defaultValue, false) ?? toDetails((await this.client.snapshotFor(target)).get(flagKey), flagKey, defaultValue, type);
    } catch (error) {
      return errorDetails(error, defaultValue);
    }
  }
}
