import type { FleetCoordinator, FleetRecord } from '../../client/features/fleet-link.js';
import type { EvalResult } from '../../types.js';
import type { RedisConnection, RedisSubscription } from '../redis-connection.js';
import { sha256Base64Url } from './sha256.js';

/** Settings of the Redis coordinator (see `redisFleet`). */
export interface RedisCoordinatorOptions {
  prefix: string;
  leaseMs: number;
  timeoutMs: number;
  sharedTtlMs: number;
}

// Takes the lease when free (SET NX PX) or renews it when the holder has it: only the holder renews.
const CLAIM = `local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if v then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
return 1`;

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0`;

// Only the lease holder writes: the next version, the snapshot with it, then the notice.
const PUBLISH = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local v = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[3], '{"version":' .. v .. ',' .. string.sub(ARGV[2], 2))
redis.call('PUBLISH', ARGV[3], tostring(v))
return v`;

/**
 * A {@link FleetCoordinator} on Redis. Keys are `<prefix>fleet:{<hash of scope>}:lease|version|snapshot`
 * and the notice channel `…:changed`; the scope (which holds the context) is hashed, so user ids do
 * not appear in key names. One subscriber connection (`subscriber()`) for every link using it, opened
 * on first use and closed with the last link.
 */
export class RedisCoordinator implements FleetCoordinator {
  readonly leaseMs: number;
  readonly timeoutMs: number;
  readonly sharedTtlMs: number;
  private subscriber: Promise<RedisSubscription> | undefined;
  private readonly listeners = new Map<string, Set<() => void>>();
  /** Links using this coordinator: the subscriber connection closes when the last one does. */
  private users = 0;

  constructor(
    private readonly redis: RedisConnection,
    private readonly options: RedisCoordinatorOptions,
  ) {
    this.leaseMs = options.leaseMs;
    this.timeoutMs = options.timeoutMs;
    this.sharedTtlMs = options.sharedTtlMs;
  }

  async claim(scope: string, holder: string): Promise<boolean> {
    return (await this.eval(CLAIM, [this.key(scope, 'lease')], [holder, String(this.leaseMs)])) === 1;
  }

  async release(scope: string, holder: string): Promise<void> {
    await this.eval(RELEASE, [this.key(scope, 'lease')], [holder]);
  }

  async publish(scope: string, holder: string, record: Omit<FleetRecord, 'version'>): Promise<number | undefined> {
    const keys = [this.key(scope, 'lease'), this.key(scope, 'version'), this.key(scope, 'snapshot')];
    const version = await this.eval(PUBLISH, keys, [holder, JSON.stringify(record), this.key(scope, 'changed')]);
    return typeof version === 'number' && version > 0 ? version : undefined;
  }

  async read(scope: string): Promise<FleetRecord | undefined> {
    return parseRecord(await this.redis.get(this.key(scope, 'snapshot')));
  }

  async listen(scope: string, notice: () => void): Promise<() => void> {
    const channel = this.key(scope, 'changed');
    const subscriber = await this.connectSubscriber();
    let set = this.listeners.get(channel);
    if (!set) {
      const fresh = new Set<() => void>();
      this.listeners.set(channel, (set = fresh));
      try {
        await subscriber.subscribe(channel, () => {
          for (const listener of [...fresh]) listener();
        });
      } catch (error) {
        if (this.listeners.get(channel) === fresh) this.listeners.delete(channel);
        throw error;
      }
    }
    set.add(notice);
    return () => {
      set.delete(notice);
      if (set.size > 0 || this.listeners.get(channel) !== set) return;
      this.listeners.delete(channel);
      subscriber.unsubscribe(channel).catch(() => undefined);
    };
  }

  async getShared(key: string): Promise<EvalResult[] | undefined> {
    const text = await this.redis.get(this.sharedKey(key));
    if (typeof text !== 'string') return undefined;
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? (parsed as EvalResult[]) : undefined;
  }

  async putShared(key: string, flags: EvalResult[]): Promise<void> {
    await this.redis.set(this.sharedKey(key), JSON.stringify(flags), { ms: this.sharedTtlMs });
  }

  /** One more link uses the coordinator (and will call {@link close} once). */
  retain(): this {
    this.users += 1;
    return this;
  }

  async close(): Promise<void> {
    this.users = Math.max(0, this.users - 1);
    if (this.users > 0) return;
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    this.listeners.clear();
    if (subscriber) (await subscriber.catch(() => undefined))?.destroy();
  }

  private connectSubscriber(): Promise<RedisSubscription> {
    this.subscriber ??= this.redis.subscriber();
    const pending = this.subscriber;
    pending.catch(() => {
      if (this.subscriber === pending) this.subscriber = undefined;
    });
    return pending;
  }

  private eval(script: string, keys: string[], args: string[]): Promise<unknown> {
    return this.redis.eval(script, keys, args);
  }

  private key(scope: string, part: string): string {
    // The hash tag ({…}) puts every key of one scope in one cluster slot: one script may touch them all.
    return `${this.options.prefix}fleet:{${digest(scope)}}:${part}`;
  }

  private sharedKey(key: string): string {
    return `${this.options.prefix}fleet:for:${digest(key)}`;
  }
}

function digest(text: string): string {
  return sha256Base64Url(text).slice(0, 27);
}

/** A stored record, or undefined when absent or not one. */
function parseRecord(text: unknown): FleetRecord | undefined {
  if (typeof text !== 'string') return undefined;
  const parsed = JSON.parse(text) as Partial<FleetRecord> | null;
  if (!parsed || typeof parsed.version !== 'number' || !Array.isArray(parsed.flags)) return undefined;
  return { version: parsed.version, at: String(parsed.at), flags: parsed.flags };
}
