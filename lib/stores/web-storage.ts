import type { FlagStore } from '../client/options.js';
import { StoreError } from '../errors.js';
import type { Logger } from '../types.js';
import { isStoredFlags, keyedStore, parseJson } from './record.js';

/** The part of the Web Storage API (`localStorage`, `sessionStorage`) the store uses. */
export interface WebStorageLike {
  /** The stored text for `key`, or `null`. */
  getItem(key: string): string | null;
  /** Stores `value` under `key` (may throw when the quota is exceeded). */
  setItem(key: string, value: string): void;
  /**
   * Removes `key`. With it, `key` and `length` (every Web Storage has them), entries that older
   * releases named after the plain scope are removed.
   */
  removeItem?(key: string): void;
  /** The name of the `index`-th key, or `null`. */
  key?(index: number): string | null;
  /** How many keys the storage holds. */
  readonly length?: number;
}

/** Options of {@link webStorageStore}. */
export interface WebStorageStoreOptions {
  /** Prefix of every key (default `flagstream:`); each scope has its own key, `<prefix><SHA-256 of the scope>`. */
  prefix?: string;
  /** Where warnings about unreadable entries go (default: `console`). */
  logger?: Logger;
}

/**
 * A store in `localStorage` (or any Web Storage): one key per scope, named by a hash of the scope so
 * that no user id, e-mail address or attribute shows in key names. Entries that older releases named
 * after the plain scope (`<prefix>v1 …`) are never read and are removed on the first call. A full
 * storage rejects the save with a `StoreError` whose `quota` is true (the client reports it and
 * carries on); nothing throws synchronously.
 */
export function webStorageStore(storage: WebStorageLike, options: WebStorageStoreOptions = {}): FlagStore {
  let swept = false;
  // Runs first in every call, inside its StoreError wrapper.
  const sweep = (): void => {
    if (!swept) {
      swept = true;
      removeLegacy(storage, options.prefix ?? 'flagstream:');
    }
  };
  return keyedStore(
    'webStorageStore',
    options,
    (key) => {
      sweep();
      return storage.getItem(key) ?? undefined;
    },
    (key, text) => {
      sweep();
      try {
        storage.setItem(key, text);
      } catch (error) {
        if (!isQuotaError(error)) throw error;
        throw new StoreError('save', 'webStorageStore: quota exceeded', { cause: error, quota: true });
      }
    },
  );
}

/**
 * Removes the records older releases named `<prefix><scope>` (scopes start with `v1 `): only keys
 * whose value is a stored record of exactly that scope, so another app's keys are never touched,
 * whatever the prefix. A storage that refuses to be listed or changed keeps them (they are never read).
 */
function removeLegacy(storage: WebStorageLike, prefix: string): void {
  try {
    const legacy: string[] = [];
    for (let index = 0; index < (storage.length ?? 0); index += 1) {
      const key = storage.key?.(index) ?? '';
      const value = key.startsWith(`${prefix}v1 `) && parseJson(storage.getItem(key));
      if (isStoredFlags(value) && value.scope === key.slice(prefix.length)) legacy.push(key);
    }
    for (const key of legacy) storage.removeItem?.(key);
  } catch {
    // Listing or removing failed (a sandboxed or private-mode storage): the old entries stay, unread.
  }
}

/** Browsers name it `QuotaExceededError` (old ones: code 22, or Firefox's `NS_ERROR_DOM_QUOTA_REACHED`). */
function isQuotaError(error: unknown): boolean {
  const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown };
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || code === 22 || code === 1014;
}
