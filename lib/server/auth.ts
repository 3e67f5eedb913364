/** Bearer-token authentication shared by every protocol's routes. */
import type { FlagStore, KeyScope } from './flag-store.js';

/** Who is calling: the file's admin key (every route, every project) or an API key with its scope. */
export type Caller = { kind: 'admin' } | { kind: 'api-key'; key: string; scope: KeyScope };

/** Resolve `Authorization: Bearer <token>` (exact prefix, one space); undefined means 401. */
export function authenticate(header: string | undefined, store: FlagStore): Caller | undefined {
  if (header === undefined || !header.startsWith('Bearer ')) return undefined;
  const token = header.slice('Bearer '.length);
  if (token === '') return undefined;
  if (token === store.adminKey) return { kind: 'admin' };
  const scope = store.scopeOf(token);
  return scope === undefined ? undefined : { kind: 'api-key', key: token, scope };
}

/** Whether the caller may act on this project and environment. */
export function inScope(caller: Caller, project: string, environment: string): boolean {
  return caller.kind === 'admin' || (caller.scope.project === project && caller.scope.environment === environment);
}
