// The server enum's strings are the client enum's too; both providers use these four.
import { ErrorCode, ServerProviderEvents as ProviderEvents, type AnyProviderEvent, type ProviderEventEmitter } from '@openfeature/core';
import { Subscription } from 'rxjs';
import type { FlagClient } from '../client/client.js';
import { isTerminal } from '../errors.js';
import type { ClientStatus } from '../types.js';

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
 * Bridges a client to OpenFeature provider events until the returned subscription ends:
 * - `PROVIDER_READY`, `PROVIDER_STALE` and `PROVIDER_ERROR` (with `errorCode: PROVIDER_FATAL` after an
 *   `AuthError`) on each change of {@link healthOf}, starting from the health at the time of the call;
 * - one `PROVIDER_CONFIGURATION_CHANGED` per snapshot change, `flagsChanged` listing exactly its keys.
 *
 * The client emits a snapshot on `flags$` and one `changes$` item per changed key of it, synchronously;
 * each snapshot closes the previous group, and a group still open is sent at the end of the current
 * task (a microtask), so two snapshots in one task still give two events. The snapshot that is the
 * client's first load (when the bridge starts before it) sends no change event: PROVIDER_READY covers it.
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
      else if (next === 'error' || next === 'fatal') {
        events.emit(ProviderEvents.Error, { message, errorCode: next === 'fatal' ? ErrorCode.PROVIDER_FATAL : ErrorCode.GENERAL });
      }
    }),
  );

  let group: string[] = [];
  // The first load (after a failed start) is PROVIDER_READY, not a configuration change: its group is dropped.
  let dropping = false;
  let loaded = false;
  let subscribing = true;
  const flush = (): void => {
    if (group.length === 0) return;
    const flagsChanged = group;
    group = [];
    if (!subscription.closed) events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged });
  };
  subscription.add(
    client.flags$.subscribe(() => {
      if (loaded) {
        flush();
        return;
      }
      loaded = true;
      group = [];
      if (subscribing) return;
      dropping = true;
      queueMicrotask(() => (dropping = false));
    }),
  );
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
