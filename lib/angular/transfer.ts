import { PLATFORM_ID, TransferState, inject, makeStateKey } from '@angular/core';
import { createFlagClient, type FlagClient, type FlagClientOptions, type SnapshotJSON } from 'flagstream';

/** The `TransferState` key under which a server render leaves its flag snapshot for the browser. */
export const FLAG_SNAPSHOT_KEY = makeStateKey<SnapshotJSON>('flagstream.snapshot');

/**
 * The client of `provideFlagClient(…, { transferState: true })`, in an injection context. In a
 * server render: a client for this one request (no stream, no polling). In the browser: a client
 * that starts from the snapshot the server render left (`bootstrap`, `freshBootstrap`), which is
 * taken out of `TransferState` so that a later client does not mistake it for fresh; without one,
 * a plain client.
 */
export function transferStateClient(options: FlagClientOptions): FlagClient {
  if (onServer()) return createFlagClient({ ...options, streaming: false, pollIntervalMs: 0 });
  const state = inject(TransferState);
  const snapshot = state.get(FLAG_SNAPSHOT_KEY, null);
  state.remove(FLAG_SNAPSHOT_KEY);
  return createFlagClient(snapshot ? { ...options, bootstrap: snapshot, freshBootstrap: true } : options);
}

/**
 * App initializer of a server render: holds the render until the client's `ready()` settles, then,
 * if its flags came from the network, has `TransferState` serialize its snapshot into the page
 * (taken when the page is serialized, so it matches the HTML). A render whose load failed transfers
 * nothing: it rendered defaults, and the browser client loads as usual. Does nothing in a browser.
 */
export async function transferSnapshot(client: FlagClient): Promise<void> {
  if (!onServer()) return;
  const state = inject(TransferState);
  const { ok, source } = await client.ready();
  if (ok && source === 'network') state.onSerialize(FLAG_SNAPSHOT_KEY, () => client.snapshot.toJSON());
}

/** Whether this is a server render (what `isPlatformServer` tests, without importing `@angular/common`). */
function onServer(): boolean {
  return inject(PLATFORM_ID) === 'server';
}
