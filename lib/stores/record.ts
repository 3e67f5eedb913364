import type { FlagStore, StoredFlags } from '../client/options.js';
import { StoreError, messageOf } from '../errors.js';
import type { Logger } from '../types.js';
import { sha256Base64Url } from './fleet/sha256.js';

/** Where a store's warnings go by default. */
export const storeLogger: Pick<Logger, 'warn'> = { warn: (message) => console.warn(`[flagstream] ${message}`) };

/** The shape every store checks before handing a record back (the client validates the flags). */
export function isStoredFlags(value: unknown): value is StoredFlags {
  const record = value as Partial<StoredFlags> | null;
  return record?.version === 1 && typeof record.scope === 'string' && typeof record.savedAt === 'string' && Array.isArray(record.flags);
}

/**
 * A store of one text per scope (Redis, Web Storage), named `what` in its errors and warnings. The
 * key is the prefix (default `flagstream:`) plus a SHA-256 of the scope, never the scope itself (it
 * holds user ids, e-mail addresses and attributes). A text that is not a record is skipped with a
 * warning; a record of another scope is not restored.
 */
export function keyedStore(
  what: string,
  options: { prefix?: string; logger?: Pick<Logger, 'warn'> },
  read: (key: string) => Promise<string | undefined> | string | undefined,
  write: (key: string, text: string) => Promise<void> | void,
): FlagStore {
  const key = (scope: string): string => (options.prefix ?? 'flagstream:') + sha256Base64Url(scope);
  return {
    save: (data) => storeCall('save', what, () => write(key(data.scope), JSON.stringify(data))),
    load: (scope) =>
      storeCall('load', what, async () => {
        const text = await read(key(scope));
        if (text === undefined) return undefined;
        const value = parseJson(text);
        if (isStoredFlags(value)) return value.scope === scope ? value : undefined;
        (options.logger ?? storeLogger).warn(`${what}: ignored a stored value that is not a flagstream record`);
        return undefined;
      }),
  };
}

/** Runs `operation`, turning anything it throws into a `StoreError` for `operation`. */
export async function storeCall<T>(operation: 'load' | 'save', what: string, run: () => Promise<T> | T): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw new StoreError(operation, `${what}: ${messageOf(error)}`, { cause: error });
  }
}

/** The JSON value of a stored text, or undefined when absent or not JSON. */
export function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
