// The server enum's strings are the client enum's too; both providers use these four.
import { ErrorCode, GenericEventEmitter, ServerProviderEvents as ProviderEvents, type AnyProviderEvent, type ProviderEventEmitter } from '@openfeature/core';
import { Subscription } from 'rxjs';
import type { FlagClient } from '../client/client.js';
import { contextKey } from '../client/context-key.js';
import { isTerminal } from '../errors.js';
import type { ClientStatus } from '../types.js';

type Listener = (...args: any[]) => void;

/**
 * A minimal synchronous listener registry: the five methods of the platform emitter that OpenFeature's
 * `GenericEventEmitter` calls (`on`, `removeListener`, `removeAllListeners`, `listeners`, `emit`), as
 * it uses them: it adds a function of its own per handler, so none is added twice and removing one
 * drops it (a handler added twice still runs twice), and it reads only what `listeners` returns. The
 * providers use it so that they need only `@openfeature/core` at runtime: a web app never loads the
 * server SDK (which brings in `node:events`) and a server never loads the web SDK.
 */
class Listeners {
  readonly #byName = new Map<string | symbol, Listener[]>();

  listeners(name: string | symbol): Listener[] {
    return [...(this.#byName.get(name) ?? [])];
  }

  on(name: string | symbol, listener: Listener): void {
    this.#byName.set(name, [...this.listeners(name), listener]);
  }

  removeListener(name: string | symbol, listener: Listener): void {
    this.#byName.set(name, this.listeners(name).filter((item) => item !== listener));
  }

  removeAllListeners(name?: string | symbol): void {
    if (name === undefined) this.#byName.clear();
    else this.#byName.delete(name);
  }

  emit(name: string | symbol, ...args: unknown[]): void {
    // Each change replaces the list, so a listener that adds or removes one does not disturb this loop.
    for (const listener of this.#byName.get(name) ?? []) listener(...args);
  }
}

/** The providers' event emitter: OpenFeature's own handler bookkeeping over {@link Listeners}. */
export class FlagstreamEventEmitter extends GenericEventEmitter<AnyProviderEvent> {
  // Its declared type is Node's whole emitter (which `@openfeature/core` does not export); it calls only the five above.
  protected readonly eventEmitter = new Listeners() as never;
}

/** What the provider reports for a client status: the client's state, or `fatal`. */
type ProviderHealth = ClientStatus['state'] | 'fatal';

/**
 * The provider-level reading of a client status: an `AuthError` is fatal; `stale`, and `error` while
 * last known values are still served, are stale; `error` with nothing loaded is an error.
 */
function healthOf(status: ClientStatus): ProviderHealth {
  const { state } = status;
  return isTerminal(status.error) ? 'fatal' : state === 'error' && status.source !== 'none' ? 'stale' : state;
}

/** Whether the client serves values that may be out of date: what `PROVIDER_STALE` reports, and answers say as `STALE`. */
export function isStale(status: ClientStatus): boolean {
  return healthOf(status) === 'stale';
}

/**
 * Emits the provider event of a health: `PROVIDER_READY`, `PROVIDER_STALE`, or `PROVIDER_ERROR`
 * (`errorCode: PROVIDER_FATAL` after an `AuthError`; a client closed under the provider is an error
 * too, its answers being `PROVIDER_NOT_READY`); none while initializing.
 */
function announce(status: ClientStatus, events: ProviderEventEmitter<AnyProviderEvent>, health: ProviderHealth): void {
  const message = health === 'closed' ? 'the flag client is closed' : status.error?.message;
  if (health === 'ready') events.emit(ProviderEvents.Ready, {});
  else if (health === 'stale') events.emit(ProviderEvents.Stale, { message });
  else if (health !== 'initializing') {
    events.emit(ProviderEvents.Error, { message, errorCode: health === 'fatal' ? ErrorCode.PROVIDER_FATAL : ErrorCode.GENERAL });
  }
}

/**
 * Says the client's health (its `status`) again where the status the SDK has just set on its own
 * hides it: READY once the provider's `initialize()` or `onContextChange()` resolves, ERROR once it
 * rejects, whatever the provider emitted before. After a failure only `stale` (a store record or the
 * bootstrap served) and `fatal` are said: a client still `ready` holds the last context's values.
 */
export function restate(status: ClientStatus, events: ProviderEventEmitter<AnyProviderEvent>, failed: boolean): void {
  const health = healthOf(status);
  if (failed ? health === 'stale' || health === 'fatal' : health !== 'ready') announce(status, events, health);
}

/**
 * Bridges a client to OpenFeature provider events until the returned subscription ends:
 * - `PROVIDER_READY`, `PROVIDER_STALE` and `PROVIDER_ERROR` (with `errorCode: PROVIDER_FATAL` after an
 *   `AuthError`) on each change of {@link healthOf}, starting from the health at the time of the call,
 *   except while `quiet()` (the provider's status is not the client's then: no event at all is said);
 * - one `PROVIDER_CONFIGURATION_CHANGED` per snapshot change, `flagsChanged` listing exactly its keys.
 *
 * The client emits a snapshot on `flags$` and one `changes$` item per changed key of it, synchronously;
 * each snapshot closes the previous group, and a group still open is sent at the end of the current
 * task (a microtask), so two snapshots in one task still give two events. The snapshot that is the
 * client's first load (when the bridge starts before it) sends no change event: PROVIDER_READY covers it;
 * nor does a new context's first (after `identify()`): that is a context change, which the SDK reports.
 */
export function bridgeEvents(client: FlagClient, events: ProviderEventEmitter<AnyProviderEvent>, quiet: () => boolean): Subscription {
  const subscription = new Subscription();
  let health = healthOf(client.status);
  subscription.add(
    client.status$.subscribe((status) => {
      const next = healthOf(status);
      if (next !== health && !quiet()) announce(status, events, next);
      health = next;
    }),
  );

  let group: string[] = [];
  // The first load (after a failed start), or a new context's, is not a configuration change: its changes are dropped.
  let dropping = false;
  let loaded = false;
  let subscribing = true;
  // The context the snapshot holds: the client's at its last change or landed load (a load for another context is dropped).
  let shownFor: string | undefined;
  const keyNow = (context = client.context): string | undefined => context && contextKey(context);
  const flush = (): void => {
    const flagsChanged = group;
    group = [];
    if (flagsChanged.length > 0 && !subscription.closed && !quiet()) events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged });
  };
  subscription.add(
    client.flags$.subscribe(() => {
      const key = keyNow();
      const first = !loaded || key !== shownFor;
      shownFor = key;
      if (loaded) flush();
      else group = [];
      loaded = true;
      // Each snapshot's changes follow it at once: this decides for them, and only for them.
      dropping = first && !subscribing;
    }),
  );
  // A context's first load that changed no value still makes it the one the snapshot holds.
  subscription.add(client.events$.subscribe((event) => void (event.type === 'refreshed' && (shownFor = keyNow()))));
  subscribing = false;
  subscription.add(
    client.changes$.subscribe((change) => {
      if (dropping) return;
      if (group.length === 0) queueMicrotask(flush);
      group.push(change.key);
    }),
  );
  return subscription;
}
