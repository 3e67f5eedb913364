import type { EvalContext } from '../../types.js';
import { fingerprint } from '../../transports/fingerprint.js';
import { consoleLogger, type FlagClientOptions } from '../options.js';
import { ownContextKey } from '../own-context-key.js';
import type { FlagSnapshot, SnapshotJSON } from '../state/snapshot.js';

/**
 * What a server render hands to the browser: `snapshot.toJSON()` stamped with a one-way fingerprint
 * of the context its flags were evaluated for (`contextFingerprint`; the context itself, whose
 * attributes may be server-only data, is not written). Contexts are equal as the client keys them
 * everywhere: user id, e-mail and attributes, in any order, of the copy the client makes (a `toJSON()`
 * value as what it returns; a bad attribute throws its `ConfigError`). Give it to {@link withRenderedSnapshot}
 * in the browser.
 */
export function renderedSnapshot(snapshot: FlagSnapshot, context: EvalContext): SnapshotJSON {
  return { ...snapshot.toJSON(), contextFingerprint: fingerprint(ownContextKey(context)) };
}

/**
 * The options of a browser client that starts from a server render's {@link renderedSnapshot}: with
 * it as a fresh `bootstrap` (`freshBootstrap`) when it was evaluated for `options.context`, else
 * `options` as given (defaults until the client's own first load), saying why once through the
 * options' logger. A snapshot without a fingerprint (or none) is never used: another visitor's page,
 * from a shared cache or a render for the anonymous user, must not be served as this one's.
 */
export function withRenderedSnapshot(options: FlagClientOptions, rendered: SnapshotJSON | null | undefined): FlagClientOptions {
  if (rendered && rendered.contextFingerprint === fingerprint(ownContextKey(options.context))) {
    return { ...options, bootstrap: rendered, freshBootstrap: true };
  }
  if (rendered) {
    (options.logger ?? consoleLogger).warn('server-rendered flags not used: not evaluated for this context');
  }
  return options;
}
