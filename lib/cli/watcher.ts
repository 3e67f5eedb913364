/** Feeds a client's flags, changes and status to a view until Ctrl+C. */
import { Subscription, combineLatest, distinctUntilChanged, firstValueFrom, filter, map } from 'rxjs';
import type { FlagClient } from '../client/client.js';
import { AuthError } from '../errors.js';
import { formatStatus } from './format.js';
import { isMissingProject } from './project-not-found.js';
import { untilSignal } from './signals.js';
import type { FlagView } from './watch-view.js';

/**
 * Show `client` in `view` until SIGINT or SIGTERM, then close it. Changes of the first load are
 * part of the initial listing, not change lines. Rejects with the `AuthError` when the key is
 * rejected (the client stops for good then), and with the load's 404 `RequestError` when the
 * project does not exist (retrying would poll a missing project forever).
 */
export async function watchClient(client: FlagClient, view: FlagView): Promise<void> {
  const subscriptions = new Subscription();
  const stopListening = new AbortController();
  // flags$ emits each snapshot before the changes that led to it: changes arriving while the
  // first snapshot is the latest belong to the initial listing.
  let snapshots = 0;
  const status$ = client.status$.pipe(distinctUntilChanged((a, b) => formatStatus(a) === formatStatus(b)));
  // Nothing is listed until something was loaded: a rejected key or a missing project shows no empty table.
  const loaded$ = combineLatest([client.flags$, client.status$]).pipe(
    filter(([, status]) => status.source !== 'none'),
    map(([snapshot]) => snapshot),
    distinctUntilChanged(),
  );
  subscriptions.add(
    loaded$.subscribe((snapshot) => {
      snapshots++;
      view.flags(snapshot);
    }),
  );
  // After the listing: a first load prints its table before the status it brought.
  subscriptions.add(status$.subscribe((status) => view.status(status)));
  subscriptions.add(client.changes$.pipe(filter(() => snapshots > 1)).subscribe((change) => view.change(change)));
  const fatal = firstValueFrom(
    status$.pipe(
      map((status) => status.error),
      filter((error): error is Error => error instanceof AuthError || isMissingProject(error)),
    ),
    { defaultValue: undefined },
  );
  try {
    const outcome = await Promise.race([untilSignal(stopListening.signal), fatal]);
    if (outcome instanceof Error) throw outcome;
  } finally {
    stopListening.abort();
    subscriptions.unsubscribe();
    client.close();
  }
}
