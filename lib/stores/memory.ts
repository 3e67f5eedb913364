import type { FlagStore, StoredFlags } from '../client/options.js';

/**
 * A store in this process's memory: survives a client being closed and recreated (not a restart).
 * Records are copied in and out, so nobody can change a saved record in place.
 */
export function memoryStore(): FlagStore {
  const records = new Map<string, StoredFlags>();
  return {
    async save(data) {
      records.set(data.scope, structuredClone(data));
    },
    // A copy, or undefined (the clone of undefined).
    load: async (scope) => structuredClone(records.get(scope)),
  };
}
