// The server enum's strings are the client enum's too; both providers use these four.
import { ErrorCode, ServerProviderEvents as ProviderEvents, type AnyProviderEvent, type ProviderEventEmitter } from '@openfeature/core';
import { Subscription } from 'rxjs';
import type { FlagClient } from '../client/client.js';
import { contextKey } from '../client/context-key.js';
import { isTerminal } from '../errors.js';
import type { ClientStatus } from '../types.js';

/** What the provider reports for a client status. */
type ProviderHealth = 'not-ready' | 'ready' | 'stale' | 'error' | 'fatal' | 'closed';

/**
 * The provider-level reading of a client status: an `AuthError` is fatal; `stale`, and `error` while
 * last known values are still served, are stale; `error` with nothing loaded is an error.
 */
function healthOf(status: ClientStatus): ProviderHealth {
  if (isTerminal(status.error)) return 'fatal';
  switch (status.state) {
    case 'ready':
      return 'ready';
    case 'stale':
      return 'stale';
    case 'error':
      return status.source === 'none' ? 'error' : 'stale';
    case 'closed':
      return 'closed';
    default:
      return 'not-ready';
  }
}

/** Whether the client serves values that may be out of date: what `PROVIDER_STALE` reports, and answers say as `STALE`. */
export function isStale(status: ClientStatus): boolean {
  return healthOf(status) === 'stale';
}

/**
 * Bridges a client to OpenFeature provider events until the returned subscription ends:
 * - `PROVIDER_READY`, `PROVIDER_STALE` and `PROVIDER_ERROR` (with `errorCode: PROVIDER_FATAL` after an
 *   `AuthError`) on each change of {@link healthOf}, starting from the health at the time of the call;
 * - one `PROVIDER_CONFIGURATION_CHANGED` per snapshot change, `flagsChanged` listing exactly its keys.
 *
 * The client emits a snapshot on `flags$` and one `changes$` item per changed key of it, synchronously;
 * each snapshot closes the previous group, and a group still open is sent at the end of the current
 * task (a microtask), so two snapshots in one task still give two events. The snapshot that is the
 * client's first load (when the bridge starts before it) sends no change event: PROVIDER_READY covers it;
 * nor does a new context's first (after `identify()`): that is a context change, which the SDK reports.
 */
export function bridgeEvents(client: FlagClient, events: ProviderEventEmitter<AnyProviderEvent>): Subscription {
  const subscription = new Subscription();
  let health = healthOf(client.status);
  subscription.add(
    client.status$.subscribe((status) => {
      const next = healthOf(status);
      if (next === health) return;
      health = next;
      const message = status.error?.message;
      if (next === 'ready') events.emit(ProviderEvents.Ready, {});
      else if (next === 'stale') events.emit(ProviderEvents.Stale, message === undefined ? {} : { message });
      else if (next === 'error') events.emit(ProviderEvents.Error, { message, errorCode: ErrorCode.GENERAL });
      else if (next === 'fatal') events.emit(ProviderEvents.Error, { message, errorCode: ErrorCode.PROVIDER_FATAL });
    }),
  );

  let group: string[] = [];
  // The first load (after a failed start), or a new context's, is not a configuration change: its group is dropped.
  let dropping = false;
  let loaded = false;
  let subscribing = true;
  // The context the snapshot holds: the client's at its last change or landed load (a load for another context is dropped).
  let shownFor: string | undefined;
  const keyNow = (context = client.context): string | undefined => context && contextKey(context);
  const flush = (): void => {
    if (group.length === 0) return;
    const flagsChanged = group;
    group = [];
    if (!subscription.closed) events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged });
  };
  subscription.add(
    client.flags$.subscribe(() => {
      const key = keyNow();
      const first = !loaded || key !== shownFor;
      shownFor = key;
      if (loaded) flush();
      else group = [];
      loaded = true;
      if (!first || subscribing) return;
      dropping = true;
      queueMicrotask(() => (dropping = false));
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
