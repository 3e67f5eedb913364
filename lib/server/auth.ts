/** Bearer-token authentication shared by every protocol's routes. */
import type { FlagStore, KeyScope } from './flag-store.js';

/** Who is calling: the file's admin key (every route, every project) or an API key with its scope. */
export type Caller = { kind: 'admin' } | { kind: 'api-key'; key: string; scope: KeyScope };

/**
 * `Authorization: Bearer <token>`: the scheme name in any case (`bearer`, `BEARER`: HTTP scheme
 * names are case-insensitive), one or more spaces, then the token. Undefined for no header, another
 * scheme or an empty token. Every route of every protocol reads its bearer token here.
 */
const BEARER = /^bearer +(\S.*)$/i;

/** The token of an `Authorization: Bearer <token>` header (see {@link BEARER}), or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  return header === undefined ? undefined : BEARER.exec(header)?.[1];
}

/** Resolve `Authorization: Bearer <token>`: the admin key or an API key; undefined means 401. */
export function authenticate(header: string | undefined, store: FlagStore): Caller | undefined {
  return callerOf(bearerToken(header), store);
}

/** Resolve a bare token: the admin key or an API key; undefined (no or an unknown token) means 401. */
export function callerOf(token: string | undefined, store: FlagStore): Caller | undefined {
  if (token === undefined || token === '') return undefined;
  if (token === store.adminKey) return { kind: 'admin' };
  const scope = store.scopeOf(token);
  return scope === undefined ? undefined : { kind: 'api-key', key: token, scope };
}

/** Whether `header` carries the admin key as a bearer token (false when the file has none). */
export function isAdmin(header: string | undefined, store: FlagStore): boolean {
  return authenticate(header, store)?.kind === 'admin';
}

/** Whether the caller may act on this project and environment. */
export function inScope(caller: Caller, project: string, environment: string): boolean {
  return caller.kind === 'admin' || (caller.scope.project === project && caller.scope.environment === environment);
}

/** Whether a key's scope now (undefined: no longer a key) is still `scope`. */
export function sameScope(now: KeyScope | undefined, scope: KeyScope): boolean {
  return now?.project === scope.project && now.environment === scope.environment;
}
