import type { FlagStore } from '../client/options.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../types.js';
import { keyedStore } from './record.js';
import { redisConnection, type RedisClientLike } from './redis-connection.js';

/**
 * The Redis clients the store accepts: node-redis or ioredis, standalone or cluster (see
 * {@link RedisClientLike}), typed by shape so that neither is loaded by flagstream itself.
 */
export type RedisLike = RedisClientLike;

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** Prefix of every key (default `flagstream:`); each scope has its own key, `<prefix><SHA-256 of the scope>`. */
  prefix?: string;
  /** Records expire this many seconds after their last save (default: never). */
  ttlSeconds?: number;
  /** Where warnings about unreadable entries go (default: `console`). */
  logger?: Logger;
}

/**
 * A store in Redis: one string key per scope, written with `SET` (with `PX` when `ttlSeconds` is
 * set). Key names carry a hash of the scope, never the scope (it holds user ids and e-mail
 * addresses); the record inside keeps the scope, and a record whose scope differs is not restored.
 */
export function redisStore(redis: RedisLike, options: RedisStoreOptions = {}): FlagStore {
  const connection = redisConnection(redis);
  const { ttlSeconds } = options;
  if (ttlSeconds !== undefined && (!Number.isInteger(ttlSeconds) || ttlSeconds < 1)) {
    throw new ConfigError('ttlSeconds', 'must be an integer ≥ 1');
  }
  return keyedStore('redisStore', options, connection.get, (key, text) => connection.set(key, text, ttlSeconds && ttlSeconds * 1000));
}
