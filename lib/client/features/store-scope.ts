import type { EvalContext } from '../../types.js';
import { contextKey } from '../context-key.js';
import { scopeFor } from './persistence.js';

/**
 * The stable scope of a stored record: the transport's identity (server, project, environment;
 * never the API key) plus the context (user id, e-mail, attributes with keys sorted at every depth),
 * keyed as the client's copy of it (a `toJSON()` value as what it returns). Equal contexts give equal
 * scopes whatever the order their attributes were written in, and the scope the client saves under
 * for the same context.
 */
export function storeScope(identity: string, context: EvalContext): string {
  return scopeFor(identity, contextKey(context));
}
