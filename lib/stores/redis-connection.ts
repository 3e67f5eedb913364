import { ConfigError, FlagstreamError } from '../errors.js';

/**
 * The Redis clients `redisStore` and `redisFleet` accept, typed by shape so that the library never
 * imports `redis` or `ioredis`: a node-redis client or cluster (`createClient` / `createCluster`,
 * v4.6 and later) or an ioredis `Redis` or `Cluster` (v5 and later), connected.
 */
export type RedisClientLike = NodeRedisClientLike | NodeRedisClusterLike | IoRedisLike;

/** A node-redis client (`createClient()`, connected). */
export interface NodeRedisClientLike {
  /** Sends one command (`['GET', key]`) and resolves with its reply. */
  sendCommand(args: string[]): Promise<unknown>;
  /** A new, unconnected client with the same options (the fleet's SUBSCRIBE connection). */
  duplicate(): NodeRedisSubscriber;
}

/** A node-redis cluster (`createCluster()`, connected): commands are routed by their first key. */
export interface NodeRedisClusterLike {
  /** Sends one command to the node that owns `firstKey` and resolves with its reply. */
  sendCommand(firstKey: string | undefined, isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
  /** A new, unconnected cluster client with the same options (the fleet's SUBSCRIBE connection). */
  duplicate(): NodeRedisSubscriber;
  /** A cluster has `masters` (v4: `getMasters()`), a client neither: how they are told apart. */
  readonly masters?: unknown;
  /** The v4 form of `masters`. */
  getMasters?(): unknown;
}

/** A node-redis connection from `duplicate()` used for SUBSCRIBE (`destroy` from v5, `disconnect` in v4). */
export interface NodeRedisSubscriber {
  /** Opens the connection. */
  connect(): Promise<unknown>;
  /** Subscribes to `channel`; `listener` gets each message. */
  subscribe(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>;
  /** Stops listening to `channel`. */
  unsubscribe(channel: string): Promise<unknown>;
  /** Connection errors (a listener keeps them from being thrown). */
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** Closes the connection at once (v5). */
  destroy?(): void;
  /** Closes the connection (v4). */
  disconnect?(): Promise<unknown>;
}

/** An ioredis `Redis` or `Cluster` (`isCluster` tells them apart; both route `call` by key). */
export interface IoRedisLike {
  /** `true` on a `Cluster`. */
  readonly isCluster: boolean;
  /** Sends one command (`call('GET', key)`) and resolves with its reply. */
  call(command: string, ...args: string[]): Promise<unknown>;
  /** A new connection (cluster) with the same options; it connects by itself. */
  duplicate(): IoRedisSubscriber;
}

/** An ioredis connection from `duplicate()` used for SUBSCRIBE; notices come as `'message'` events. */
export interface IoRedisSubscriber {
  /** Subscribes to `channels`; their messages come as `'message'` events. */
  subscribe(...channels: string[]): Promise<unknown>;
  /** Stops listening to `channels`. */
  unsubscribe(...channels: string[]): Promise<unknown>;
  /** A message published on a subscribed channel. */
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  /** Connection errors (a listener keeps them from being thrown). */
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** Closes the connection. */
  disconnect(): void;
}

/**
 * Redis answered a command with an error reply (`CROSSSLOT`, `ERR syntax error`, `NOPERM`, …):
 * Redis is reachable, the command was refused. `code` is the reply's first word. Retryable only
 * for the codes of a passing state (`LOADING`, `TRYAGAIN`, `CLUSTERDOWN`, `MASTERDOWN`, …).
 */
export class RedisCommandError extends FlagstreamError {
  static override get brand(): string {
    return 'flagstream.RedisCommandError';
  }
  override readonly retryable: boolean;
  /** The reply's first word (`ERR`, `CROSSSLOT`, …). */
  readonly code: string;
  constructor(
    /** The command Redis refused, by name. */
    readonly command: string,
    reply: string,
    options?: { cause?: unknown },
  ) {
    super(`Redis refused ${command}: ${reply}`, options);
    this.code = /^\S+/.exec(reply)?.[0] ?? 'ERR';
    this.retryable = PASSING.has(this.code);
  }
}

/** Reply codes of a state that passes by itself (loading, failover, resharding). */
const PASSING = new Set(['LOADING', 'BUSY', 'TRYAGAIN', 'CLUSTERDOWN', 'MASTERDOWN', 'READONLY', 'MOVED', 'ASK', 'NOREPLICAS']);

/** A dedicated SUBSCRIBE connection, opened by its first command: `listener` gets each message (its text) of `channel`. */
export interface RedisSubscription {
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  /** Closes the connection at once, also while it is still opening: no attempt to connect outlives it. */
  destroy(): void;
}

/** The few operations the store and the fleet need, the same on every accepted client. */
export interface RedisConnection {
  /** EVAL; on a cluster it runs on the node of `keys[0]` (the keys must share a hash slot). */
  eval(script: string, keys: string[], args: string[]): Promise<unknown>;
  /** The string at `key`, or undefined. */
  get(key: string): Promise<string | undefined>;
  /** SET, with an expiry in ms (`PX`) when given. */
  set(key: string, value: string, ms?: number): Promise<void>;
  /** A new SUBSCRIBE connection (it opens with its first command). */
  subscriber(): RedisSubscription;
}

const ACCEPTED = 'must be a connected node-redis (≥ 4.6) or ioredis (≥ 5) client or cluster';

/** Recognises `redis` by its shape; a `ConfigError` naming `field` and what is accepted otherwise. */
export function redisConnection(redis: unknown, field = 'redis'): RedisConnection {
  const value = redis as Record<string, unknown> | null;
  if (typeof value !== 'object' || value === null || typeof value.duplicate !== 'function') throw new ConfigError(field, ACCEPTED);
  if (typeof value.isCluster === 'boolean') {
    // ioredis (before v5 without call(); its sendCommand takes a Command object, not node-redis's arguments).
    if (typeof value.call !== 'function') throw new ConfigError(field, ACCEPTED);
    return ioredis(redis as IoRedisLike);
  }
  if (typeof value.sendCommand !== 'function') throw new ConfigError(field, ACCEPTED);
  const client = redis as NodeRedisClientLike;
  const cluster = redis as NodeRedisClusterLike;
  // A cluster routes by the first key, never "read-only": a follower reads the snapshot right after its notice, so replicas (useReplicas) would lag.
  const send =
    'masters' in value || typeof value.getMasters === 'function'
      ? (args: string[], key: string): Promise<unknown> => cluster.sendCommand(key, false, args)
      : (args: string[]): Promise<unknown> => client.sendCommand(args);
  return connection(send, () => nodeSubscriber(client.duplicate()));
}

function ioredis(client: IoRedisLike): RedisConnection {
  return connection((args) => client.call(...(args as [string, ...string[]])), () => {
    const subscriber = client.duplicate();
    // ioredis reconnects and re-subscribes by itself; errors only need to be kept from being reported as unhandled.
    subscriber.on('error', () => undefined);
    const listeners = new Map<string, (message: string) => void>();
    subscriber.on('message', (channel, message: string) => listeners.get(channel)?.(message));
    return {
      async subscribe(channel, listener) {
        listeners.set(channel, listener);
        await command('SUBSCRIBE', subscriber.subscribe(channel)).catch((error: unknown) => {
          listeners.delete(channel);
          throw error;
        });
      },
      unsubscribe(channel) {
        listeners.delete(channel);
        return command('UNSUBSCRIBE', subscriber.unsubscribe(channel));
      },
      destroy: () => subscriber.disconnect(),
    };
  });
}

function nodeSubscriber(subscriber: NodeRedisSubscriber): RedisSubscription {
  // node-redis reconnects (and re-subscribes) by itself; errors only need to be kept from crashing.
  subscriber.on('error', () => undefined);
  let destroyed = false;
  let open: Promise<unknown> | undefined;
  // Connects on first use; an attempt the client gave up on (its reconnect strategy) is made afresh by the next command.
  const opened = (): Promise<unknown> => {
    if (destroyed) return Promise.reject(new Error('fleet coordinator closed'));
    return (open ??= subscriber.connect().catch((error: unknown) => {
      open = undefined;
      throw error;
    }));
  };
  return {
    subscribe: (channel, listener) => opened().then(() => command('SUBSCRIBE', subscriber.subscribe(channel, (message) => listener(message)))),
    unsubscribe: (channel) => opened().then(() => command('UNSUBSCRIBE', subscriber.unsubscribe(channel))),
    destroy() {
      destroyed = true;
      // Also ends a connect() still retrying (a Redis down or frozen): nothing keeps the process alive.
      if (subscriber.destroy) subscriber.destroy();
      else subscriber.disconnect?.().catch(() => undefined);
    },
  };
}

/** The operations on one way of sending a command (`key`: the key a cluster routes by); error replies become {@link RedisCommandError}s. */
function connection(client: (args: string[], key: string) => Promise<unknown>, subscriber: () => RedisSubscription): RedisConnection {
  const send = (args: string[], key: string): Promise<unknown> => command(args[0]!, client(args, key));
  return {
    eval: (script, keys, args) => send(['EVAL', script, String(keys.length), ...keys, ...args], keys[0]!),
    get: async (key) => text(await send(['GET', key], key)),
    async set(key, value, ms) {
      await send(['SET', key, value, ...(ms === undefined ? [] : ['PX', String(ms)])], key);
    },
    subscriber,
  };
}

/** A reply as text: strings as they are, buffers (a client with a buffer type mapping) decoded. */
function text(reply: unknown): string | undefined {
  if (typeof reply === 'string') return reply;
  return reply instanceof Uint8Array ? new TextDecoder().decode(reply) : undefined;
}

/** `pending`, with an error reply from Redis turned into a {@link RedisCommandError} naming `name` (an upper-case command name). */
async function command<T>(name: string, pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (error) {
    throw isErrorReply(error) ? new RedisCommandError(name, error.message, { cause: error }) : error;
  }
}

/**
 * Whether Redis itself answered with this error: node-redis's `ErrorReply` or ioredis's
 * `ReplyError` by class, or (in a bundle that renamed them) a message that starts the way every
 * Redis error reply does, with an upper-case code (`ERR …`, `CROSSSLOT …`).
 */
function isErrorReply(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  for (let at: object | null = error; (at = Object.getPrototypeOf(at) as object | null); ) {
    if (/^(ErrorReply|ReplyError)$/.test((at.constructor as { name?: string } | undefined)?.name ?? '')) return true;
  }
  return /^[A-Z]{2,}[A-Z_]* /.test(error.message);
}
