import type { EvalContext, EvalResult, ValueSource } from '../../types.js';
import type { ResolvedOptions } from '../options.js';
import { sameJson } from '../state/json-values.js';
import { isSnapshotJSON, valueResults } from '../state/results.js';
import type { ClientReporter } from './reporter.js';

/** The client as {@link serveOwn} sees it. */
export interface ServeOwnHost {
  readonly options: Pick<ResolvedOptions, 'bootstrap' | 'context'>;
  /** The client's status (a structural view: its declaration must not carry the class's `#private` members). */
  readonly report: Pick<ClientReporter, 'now' | 'update'>;
  /** The terminal error that stopped the client, if one did. */
  readonly gate: { readonly terminalError: Error | undefined };
  readonly activeContext: EvalContext;
  /** The context whose values the snapshot holds, from any source. */
  readonly heldFor: EvalContext | undefined;
  /** Replaces the snapshot with `results`. */
  apply(results: EvalResult[], source: ValueSource): number;
}

/**
 * The values held give way to `record` (the active context's stored one), or, when they are another
 * context's, to the bootstrap if it is the active context's, else to nothing (applied as not from the
 * network: neither saved nor shared with a fleet), and the status says which (`error` once stopped).
 * A bootstrap stamped with a `contextFingerprint` (a server render's) is the first context's only, as
 * the client was created with it for that one; an unstamped one serves any. Returns what is served.
 */
export function serveOwn(client: ServeOwnHost, record?: EvalResult[]): EvalResult[] | undefined {
  const { options: { bootstrap, context }, activeContext, heldFor, report } = client;
  const own = bootstrap && (!(isSnapshotJSON(bootstrap) && bootstrap.contextFingerprint) || sameJson(context, activeContext));
  const values = record ?? (own ? valueResults(bootstrap, 'bootstrap', report.now()) : undefined);
  if (record || (heldFor && !sameJson(heldFor, activeContext))) {
    client.apply(values || [], 'default');
    report.update({ source: record ? 'store' : values ? 'bootstrap' : 'none', state: values && !client.gate.terminalError ? 'stale' : 'error' });
  }
  return values;
}
