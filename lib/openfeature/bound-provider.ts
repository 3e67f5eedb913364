import type { EvaluationContext, FlagValueType, JsonValue, ResolutionDetails, TrackingEventDetails } from '@openfeature/core';
import type { Subscription } from 'rxjs';
import { createFlagClient, type FlagClient } from '../client/client.js';
import { contextKey } from '../client/context-key.js';
import type { FlagClientOptions } from '../client/options.js';
import type { ConfigError } from '../errors.js';
import type { EvalContext } from '../types.js';
import { openFeatureError, toDetails, unavailable } from './details.js';
import { FlagstreamEventEmitter, bridgeEvents, isStale, restate } from './events.js';
import { toTrackEvent } from './tracking.js';

/** A provider's answer: synchronous on the web (`Web` true: static context), a promise on a server. */
export type Answer<T, Web extends boolean> = Web extends true ? ResolutionDetails<T> : Promise<ResolutionDetails<T>>;

/**
 * What the web and server providers share: the flagstream client (owned or lent), its known
 * context, the provider's OpenFeature events and their bridge, the four resolutions, tracking, and closing.
 */
export abstract class BoundProvider<Web extends boolean> {
  /** The provider's name for the OpenFeature SDK: `flagstream`. */
  readonly metadata = { name: 'flagstream' } as const;
  /** The provider's OpenFeature events (the SDK subscribes to them). */
  readonly events = new FlagstreamEventEmitter();
  /** The flag client behind the provider, for its observables and the rest of its API. */
  readonly client: FlagClient;
  // TypeScript-private, not #private: apps may wrap a provider in a Proxy (Vue's reactive(), MobX),
  // whose methods then run with the proxy as `this` (spec/openfeature/proxied.spec.ts).
  /** Whether the provider created the client, and so closes it. */
  private readonly owned: boolean;
  private bridge: Subscription | undefined;
  /** The context the provider last identified the client with (read where a lent client exposes none). */
  private identified: EvalContext | undefined;
  /** The provider's `client.identify()` still in flight, if any. */
  private switching: Promise<void> | undefined;
  /**
   * The key of the context whose values the client's snapshot holds, as the provider saw them land
   * (a snapshot or `refreshed` while it follows the client, or its own switch settling); `undefined`
   * while unknown: a lent client's snapshot already there when following starts may be another
   * context's (a switch the app started and that has not landed).
   * @internal
   */
  protected shownFor: string | undefined;
  /**
   * The provider's follow of the client ({@link shownFor}): from `initialize()` to `onClose()`. None:
   * closed (no `initialize()` since the last `onClose()`), and nothing is bridged.
   */
  private following: Subscription | undefined;
  /**
   * The `ConfigError` of the web SDK's context while it is invalid (the server provider answers each
   * context on its own and never sets it): every resolution answers it, and the client's health is not
   * the provider's to say.
   */
  protected invalid: ConfigError | undefined;

  constructor(clientOrOptions: FlagClient | FlagClientOptions) {
    const lent = typeof (clientOrOptions as Partial<FlagClient>).evaluate === 'function' && typeof (clientOrOptions as Partial<FlagClient>).ready === 'function';
    this.owned = !lent;
    this.client = lent ? (clientOrOptions as FlagClient) : createFlagClient(clientOrOptions as FlagClientOptions);
  }

  /** Resolves a boolean flag (see the provider's class comment); `defaultValue` when it is missing, of another type or unavailable. */
  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context?: EvaluationContext): Answer<boolean, Web> {
    return this.resolve(flagKey, defaultValue, context, 'boolean');
  }

  /** Resolves a string flag (see the provider's class comment); `defaultValue` when it is missing, of another type or unavailable. */
  resolveStringEvaluation(flagKey: string, defaultValue: string, context?: EvaluationContext): Answer<string, Web> {
    return this.resolve(flagKey, defaultValue, context, 'string');
  }

  /** Resolves a number flag (see the provider's class comment); `defaultValue` when it is missing, of another type or unavailable. */
  resolveNumberEvaluation(flagKey: string, defaultValue: number, context?: EvaluationContext): Answer<number, Web> {
    return this.resolve(flagKey, defaultValue, context, 'number');
  }

  /** Resolves a JSON (object) flag (see the provider's class comment); `defaultValue` when it is missing, of another type or unavailable. */
  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context?: EvaluationContext): Answer<T, Web> {
    return this.resolve(flagKey, defaultValue, context, 'object');
  }

  /**
   * OpenFeature tracking: the event goes to `client.track` (the details' `flagKey` and `value`, the
   * context's `targetingKey` as `userId`, other details as `metadata`), which sends it
   * in batches where the transport has an events endpoint (Rollgate) and drops it elsewhere (Cuttlegate,
   * OFREP: one warning). On Rollgate a bad event (no `flagKey`, a value that is not a finite number)
   * throws the client's `ConfigError`, which the SDK logs; elsewhere it is dropped unchecked.
   */
  track(trackingEventName: string, context: EvaluationContext, trackingEventDetails: TrackingEventDetails): void {
    this.client.track(toTrackEvent(trackingEventName, context, trackingEventDetails));
  }

  /**
   * Stops following the client, ends the event bridge and drops the handlers the SDK left on `events` (an SDK
   * that initializes the provider anew adds its own again); closes the client only if the provider created it.
   */
  async onClose(): Promise<void> {
    this.following?.unsubscribe();
    this.bridge?.unsubscribe();
    this.following = this.bridge = this.shownFor = this.invalid = undefined;
    this.events.removeAllHandlers();
    if (this.owned) this.client.close();
  }

  /**
   * The client's current context: the one it exposes (the contract's `context` member), else the one
   * the provider last gave it; `undefined` when neither is known.
   * @internal
   */
  protected get knownContext(): EvalContext | undefined {
    return (this.client as { context?: EvalContext }).context ?? this.identified;
  }

  /**
   * Switches the client to `context` (unless it is known to be there already).
   * @internal
   */
  protected async identify(context: EvalContext): Promise<void> {
    const known = this.knownContext;
    const key = contextKey(context);
    // The client is there when its snapshot holds it (or nothing is loaded yet: its first load is its context's);
    // a switch to it still in flight settles this call too: the values are not there before.
    if (known && contextKey(known) === key && (this.switching || this.shownFor === key || this.client.status.source === 'none')) return this.switching;
    const switching = (this.switching = this.client.identify(context));
    try {
      await switching;
      this.identified = context;
      this.landed();
    } finally {
      if (this.switching === switching) this.switching = undefined;
    }
  }

  /**
   * `work` (an `initialize()` or `onContextChange()`), after which the client's health is said again
   * once the SDK has set the provider's status for its outcome (see `restate`): a client serving values
   * it could not refresh (a store record, a bootstrap) is STALE, not READY or ERROR.
   * @internal
   */
  protected settled(work: Promise<void>): Promise<void> {
    const restated = (failed: boolean) => () => void (this.bridge && !this.invalid && restate(this.client.status, this.events, failed));
    // Reactions run in the order they were added: one added a microtask after the SDK's runs after it.
    queueMicrotask(() => void work.then(restated(false), restated(true)));
    return work;
  }

  /**
   * One flag read as `type` for `context` (the web provider's is always the client's own).
   * @internal
   */
  protected abstract resolve<T>(flagKey: string, defaultValue: T, context: EvaluationContext | undefined, type: FlagValueType): Answer<T, Web>;

  /**
   * One flag read from the client's snapshot (its own context's): `STALE` while the client is stale.
   * @internal
   */
  protected read<T>(flagKey: string, defaultValue: T, type: FlagValueType): ResolutionDetails<T> {
    const { client } = this;
    const { status } = client;
    return unavailable(status, defaultValue) ?? toDetails(client.evaluate(flagKey), flagKey, defaultValue, type, isStale(status));
  }

  /**
   * Waits for the first load, then bridges events; rejects with the OpenFeature error of a failed start.
   * @internal
   */
  protected async start(): Promise<void> {
    const result = await this.client.ready();
    if (!this.following) return; // closed while waiting: bridge nothing
    this.listen();
    if (!result.ok) throw openFeatureError(result.error ?? new Error('flags could not be loaded'));
  }

  /** Bridges the client's events to the provider's, once, unless closed; none is said while the context is {@link invalid}. @internal */
  protected listen(): void {
    if (this.following) this.bridge ??= bridgeEvents(this.client, this.events, () => !!this.invalid);
  }

  /**
   * An `initialize()` begins: the provider is open (again, after `onClose()`), with no invalid context
   * of an earlier run, and follows which context the client's snapshot holds ({@link shownFor}).
   * @internal
   */
  protected opened(): void {
    this.invalid = undefined;
    if (this.following) return;
    const { client } = this;
    // A snapshot the client already has is replayed first: unknown. Every later one, and every landed load, is
    // the client's context of that moment (it drops any other's).
    let replay = client.status.source !== 'none';
    const seen = (): void => void (replay ? (replay = false) : this.landed());
    (this.following = client.flags$.subscribe(seen)).add(client.events$.subscribe((event) => void (event.type === 'refreshed' && seen())));
  }

  /** The client's values for its context of this moment have landed: the snapshot holds that context. */
  private landed(): void {
    const known = this.knownContext;
    this.shownFor = known && contextKey(known);
  }
}
