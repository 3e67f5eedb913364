import type { FlagStore } from '../client/options.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../types.js';
import { parseRecord, storeCall, storeLogger } from './record.js';

/**
 * The commands the store needs from a connected node-redis client (`createClient().connect()`):
 * typed by shape, so `redis` is only loaded by the application that already uses it.
 */
export interface RedisLike {
  /** The stored string, or null when there is none (anything else is ignored). */
  get(key: string): Promise<unknown>;
  set(key: string, value: string, options?: { EX?: number }): Promise<unknown>;
}

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** Prefix of every key (default `flagstream:`); each scope has its own key. */
  prefix?: string;
  /** Records expire this many seconds after their last save (default: never). */
  ttlSeconds?: number;
  /** Where warnings about unreadable entries go (default: `console`). */
  logger?: Logger;
}

/** A store in Redis: one string key per scope, written with `SET` (with `EX` when `ttlSeconds` is set). */
export function redisStore(redis: RedisLike, options: RedisStoreOptions = {}): FlagStore {
  const prefix = options.prefix ?? 'flagstream:';
  const logger = options.logger ?? storeLogger;
  const { ttlSeconds } = options;
  if (ttlSeconds !== undefined && (!Number.isInteger(ttlSeconds) || ttlSeconds < 1)) {
    throw new ConfigError('ttlSeconds', 'must be an integer ≥ 1');
  }
  return {
    save(data) {
      return storeCall('save', 'redisStore', async () => {
        const text = JSON.stringify(data);
        await (ttlSeconds === undefined ? redis.set(prefix + data.scope, text) : redis.set(prefix + data.scope, text, { EX: ttlSeconds }));
      });
    },
    load(scope) {
      return storeCall('load', 'redisStore', async () => {
        const text = await redis.get(prefix + scope);
        return typeof text === 'string' ? parseRecord(text, scope, 'redisStore', logger) : undefined;
      });
    },
  };
}
