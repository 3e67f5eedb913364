import type { StoredFlags } from '../client/options.js';
import { StoreError, messageOf } from '../errors.js';
import type { Logger } from '../types.js';
import { sha256Base64Url } from './fleet/sha256.js';

/** Where a store's warnings go by default. */
export const storeLogger: Pick<Logger, 'warn'> = { warn: (message) => console.warn(`[flagstream] ${message}`) };

/**
 * The key name of `scope`'s record in a keyed store (Redis, Web Storage): `prefix` plus a SHA-256 of
 * the scope, never the scope itself (it holds user ids, e-mail addresses and attributes).
 */
export const recordKey = (prefix: string, scope: string): string => prefix + sha256Base64Url(scope);

/** The shape every store checks before handing a record back (the client validates the flags). */
export function isStoredFlags(value: unknown): value is StoredFlags {
  const record = value as Partial<StoredFlags> | null;
  return record?.version === 1 && typeof record.scope === 'string' && typeof record.savedAt === 'string' && Array.isArray(record.flags);
}

/**
 * Parses one serialized record: the record when it is one and belongs to `scope`; `undefined` (with
 * a warning naming `where`) when the text is not a record.
 */
export function parseRecord(text: string, scope: string, where: string, logger: Pick<Logger, 'warn'>): StoredFlags | undefined {
  const value = parseJson(text);
  if (!isStoredFlags(value)) {
    logger.warn(`${where}: ignored a stored value that is not a flagstream record`);
    return undefined;
  }
  return value.scope === scope ? value : undefined;
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
