import { PLATFORM_ID, TransferState, inject, makeStateKey } from '@angular/core';
import { ConfigError, createFlagClient, type FlagClient, type FlagClientOptions, type SnapshotJSON } from 'flagstream';

/** The `TransferState` key under which a server render leaves its flag snapshot for the browser. */
export const FLAG_SNAPSHOT_KEY = makeStateKey<SnapshotJSON>('flagstream.snapshot');

/**
 * The client of `provideFlagClient(…, { transferState: true })`, in an injection context. In a
 * server render: a client for this one request (no stream, no polling). In the browser: a client
 * that starts from the snapshot the server render left (`bootstrap`, `freshBootstrap`), which is
 * taken out of `TransferState` so that a later client does not mistake it for fresh; without one,
 * a plain client.
 */
export function transferStateClient(made: FlagClientOptions | FlagClient): FlagClient {
  if (isFlagClient(made)) {
    throw new ConfigError('transferState', 'needs options (or a factory returning options), not a client');
  }
  if (onServer()) return createFlagClient({ ...made, streaming: false, pollIntervalMs: 0 });
  const state = inject(TransferState);
  const snapshot = state.get(FLAG_SNAPSHOT_KEY, null);
  state.remove(FLAG_SNAPSHOT_KEY);
  return createFlagClient(snapshot ? { ...made, bootstrap: snapshot, freshBootstrap: true } : made);
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
  const result = await client.ready();
  if (result.ok && result.source === 'network') state.onSerialize(FLAG_SNAPSHOT_KEY, () => client.snapshot.toJSON());
}

/** Whether this is a server render (what `isPlatformServer` tests, without importing `@angular/common`). */
function onServer(): boolean {
  return inject(PLATFORM_ID) === 'server';
}

/** Whether a factory returned a client rather than options. */
export function isFlagClient(value: FlagClientOptions | FlagClient): value is FlagClient {
  const candidate = value as Partial<FlagClient>;
  return typeof candidate.flag$ === 'function' && typeof candidate.close === 'function';
}
