import { NgZone, PLATFORM_ID, TransferState, inject, makeStateKey } from '@angular/core';
import { renderedSnapshot, withRenderedSnapshot, type FlagClient, type FlagClientOptions, type SnapshotJSON } from 'flagstream';

/** The `TransferState` key under which a server render leaves its flag snapshot for the browser. */
export const FLAG_SNAPSHOT_KEY = makeStateKey<SnapshotJSON>('flagstream.snapshot');

/**
 * The client options of `provideFlagClient(…, { transferState: true })`, in an injection context.
 * In a server render: a client for this one request (no stream, no polling). In the browser: a
 * client that starts from the snapshot the server render left (`bootstrap`, `freshBootstrap`) if it
 * was evaluated for this client's context ({@link withRenderedSnapshot}), else a plain client (one
 * warning); the snapshot is taken out of `TransferState` so that a later client does not mistake
 * it for fresh.
 */
export function transferStateOptions(options: FlagClientOptions): FlagClientOptions {
  if (onServer()) return { ...options, streaming: false, pollIntervalMs: 0 };
  const state = inject(TransferState);
  const snapshot = state.get(FLAG_SNAPSHOT_KEY, null);
  state.remove(FLAG_SNAPSHOT_KEY);
  return withRenderedSnapshot(options, snapshot);
}

/**
 * App initializer of a server render: holds the render until the client's `ready()` settles, then,
 * if its flags came from the network, has `TransferState` serialize its snapshot into the page,
 * stamped with its context's fingerprint ({@link renderedSnapshot}). Snapshot and context are taken
 * together when `ready()` settles: an `identify()` later in the render, whose load may not have
 * landed when the page is serialized, must not stamp its context on the last one's flags. A render
 * whose load failed transfers nothing: it rendered defaults, and the browser client loads as usual.
 * The load starts outside Angular's zone, so the client's timers (a retry after a failed load) never
 * keep a zone-based render from becoming stable. Does nothing in a browser.
 */
export async function transferSnapshot(client: FlagClient): Promise<void> {
  if (!onServer()) return;
  const state = inject(TransferState);
  const { ok, source } = await inject(NgZone).runOutsideAngular(() => client.ready());
  if (ok && source === 'network') {
    const rendered = renderedSnapshot(client.snapshot, client.context);
    state.onSerialize(FLAG_SNAPSHOT_KEY, () => rendered);
  }
}

/** Whether this is a server render (what `isPlatformServer` tests, without importing `@angular/common`). */
function onServer(): boolean {
  return inject(PLATFORM_ID) === 'server';
}
