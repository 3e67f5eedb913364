import type { FleetClaim, FleetCoordinator, FleetHealth, FleetRecord, FleetView } from '../../client/features/fleet-contract.js';
import { asHealth } from '../../client/features/fleet-heard.js';
import type { EvalResult } from '../../types.js';
import type { RedisConnection, RedisSubscription } from '../redis-connection.js';
import { parseJson } from '../record.js';
import { asRecord, digest, termOf } from './wire.js';

/** Settings of the Redis coordinator (see `redisFleet`). */
export interface RedisCoordinatorOptions {
  prefix: string;
  leaseMs: number;
  timeoutMs: number;
  sharedTtlMs: number;
}

// Every script runs on KEYS {lease, health, snapshot, farewell, term} of one scope and ARGV {notice
// channel, lease ms, holder, payload, (claim:) the head of the holder's last publish, its version,
// and the newest term the holder knows}. A notice is its kind and the holder that caused it.

// Takes the lease when free or renews it when the holder has it (only the holder renews), and
// stores the holder's health as its heartbeat for one lease, with a notice when it changed. A lease
// taken afresh gets a term above the stored one and the claimant's (the term key outlives leases),
// and drops the snapshot the last leadership left (it may be from a fleet that stopped long ago):
// followers then wait for the new leader's, which it publishes as soon as it has flags. A lease
// whose stored term is older than the claimant's is void: a lagging replica (or a failover that lost
// the last writes) brought a deposed leadership back, and the claim takes it afresh. A lease without
// a stored term is not when its snapshot has one, or there is none (the term key alone was lost,
// evicted or deleted: the holder's renewal writes it back); it is when its snapshot has no term, to
// a claimant that knows one: an older release wrote both before the fleet's first term (a lagging
// replica brought them back), or holds the lease while the term key is lost, so its records cannot
// be ordered. (A record's JSON has its term third: epoch, version, term.)
// Answers {1 + 2 if the snapshot is the holder's last publish or a later one of its epoch (starts
// with ARGV[5], then a version ≥ ARGV[6]: a publish whose answer is still on its way is no loss), 0,
// the last leader's farewell (or false), the term (above ARGV[7]: taken afresh)}, or {0, ms left of
// the holder's lease}. Locals: g the stored term (s as a number), t the lease's, l the lease's holder
// (then the snapshot's head; +0 makes a number of a string), x the snapshot's start.
const CLAIM = `local g=redis.call('GET',KEYS[5])
local s=tonumber(g) or 0
local t=math.max(s,ARGV[7])
local l=redis.call('GET',KEYS[1])
if l~=ARGV[3] then
local x=redis.call('GETRANGE',KEYS[3],0,99)
if l and (not g and (x=='' or x:find('^[^,]*,[^,]*,"term"')) or s>=t) then return {0,redis.call('PTTL',KEYS[1])} end
t=t+1
redis.call('DEL',KEYS[3])
end
redis.call('SET',KEYS[1],ARGV[3],'PX',ARGV[2])
redis.call('SET',KEYS[5],t)
if redis.call('GET',KEYS[2])~=ARGV[4] then redis.call('PUBLISH',ARGV[1],'health '..ARGV[3]) end
redis.call('SET',KEYS[2],ARGV[4],'PX',ARGV[2])
l=redis.call('GETRANGE',KEYS[3],0,#ARGV[5]+15)
return {l:find(ARGV[5],1,true)==1 and l:match('%d+',#ARGV[5])+0>=ARGV[6]+0 and 3 or 1,0,redis.call('GET',KEYS[4]),t}`;

// Frees the lease and its heartbeat (only the holder can), keeping the leader's farewell, if any, for one lease.
const RELEASE = `if redis.call('GET',KEYS[1])==ARGV[3] then
redis.call('DEL',KEYS[1],KEYS[2])
if ARGV[4]~='' then redis.call('SET',KEYS[4],ARGV[4],'PX',ARGV[2]) end
redis.call('PUBLISH',ARGV[1],'released '..ARGV[3])
end`;

// Only the lease holder writes: the snapshot, then the notice.
const PUBLISH = `if redis.call('GET',KEYS[1])==ARGV[3] then
redis.call('SET',KEYS[3],ARGV[4])
redis.call('PUBLISH',ARGV[1],'snapshot '..ARGV[3])
return 1
end`;

// The snapshot, the heartbeat, a farewell and the term in one round trip (false for a missing key).
const READ = `return redis.call('MGET',KEYS[3],KEYS[2],KEYS[4],KEYS[5])`;

/** A channel subscribed (or being subscribed) on the shared connection, and who listens to it. */
interface Channel {
  readonly listeners: Set<(origin?: string) => void>;
  /** Settles with the SUBSCRIBE. */
  readonly subscribed: Promise<unknown>;
}

/**
 * A {@link FleetCoordinator} on Redis. Keys are `<prefix>fleet:{<hash of scope>}:lease|health|snapshot|farewell|term`
 * (the lease holds the leader's id, health its heartbeat for one lease, snapshot the last
 * {@link FleetRecord} as JSON, farewell why the last leader left, for one lease, term the last
 * leadership's fencing term) and the notice channel `…:changed`; the scope (which holds the
 * context) is hashed, so user ids do not appear in key names. One subscriber connection
 * (`subscriber()`) for every link using it, opened on first use and closed with the last link.
 */
export class RedisCoordinator implements FleetCoordinator {
  readonly leaseMs: number;
  readonly timeoutMs: number;
  #subscriber: RedisSubscription | undefined;
  readonly #channels = new Map<string, Channel>();
  /** Links using this coordinator: the subscriber connection closes when the last one does. */
  #users = 0;
  readonly #redis: RedisConnection;
  readonly #options: RedisCoordinatorOptions;

  constructor(redis: RedisConnection, options: RedisCoordinatorOptions) {
    this.#redis = redis;
    this.#options = options;
    this.leaseMs = options.leaseMs;
    this.timeoutMs = options.timeoutMs;
  }

  async claim(scope: string, holder: string, health: FleetHealth, published: { epoch: string; version: number; term: number }): Promise<FleetClaim> {
    const { epoch, version, term } = published;
    // How the holder's last snapshot's JSON begins, up to its version: `{"epoch":…,"version":`.
    const head = `${JSON.stringify({ epoch }).slice(0, -1)},"version":`;
    const [code, left, farewell, leaseTerm] = ((await this.#run(CLAIM, scope, holder, JSON.stringify(health), head, version, term)) ?? []) as [number, number, unknown, number];
    if (!Number.isInteger(code)) throw new Error('fleet claim: bad answer');
    // A lease without expiry (never written so) counts as a whole lease.
    return { held: !!(code & 1), shared: !!(code & 2), remainingMs: left > 0 ? left : this.leaseMs, farewell: asHealth(parseJson(farewell)), term: leaseTerm };
  }

  async release(scope: string, holder: string, farewell?: FleetHealth): Promise<void> {
    await this.#run(RELEASE, scope, holder, farewell ? JSON.stringify(farewell) : '');
  }

  async publish(scope: string, holder: string, record: FleetRecord): Promise<boolean> {
    // As `asRecord` copies it, its JSON begins with the head a claim compares: epoch, then version.
    return (await this.#run(PUBLISH, scope, holder, JSON.stringify(asRecord(record)))) === 1;
  }

  async read(scope: string): Promise<FleetView> {
    const [record, health, farewell, term] = (((await this.#run(READ, scope)) ?? []) as unknown[]).map(parseJson);
    return { record: asRecord(record), leader: asHealth(health), farewell: asHealth(farewell), term: termOf(term) ?? 0 };
  }

  async listen(scope: string, notice: (origin?: string) => void): Promise<() => void> {
    const channel = this.#key(scope) + 'changed';
    for (;;) {
      if (this.#users === 0) throw new Error('fleet coordinator closed');
      const joined = this.#channels.get(channel);
      const entry = joined ?? this.#subscribe(channel);
      try {
        await entry.subscribed;
      } catch (error) {
        if (this.#channels.get(channel) === entry) this.#channels.delete(channel);
        // A SUBSCRIBE this listener only waited for failed: it tries its own, so it never goes unheard.
        if (!joined) throw error;
        continue;
      }
      // Gone meanwhile (its last listener left, or the coordinator closed): subscribe afresh.
      if (this.#channels.get(channel) !== entry) continue;
      entry.listeners.add(notice);
      return () => {
        entry.listeners.delete(notice);
        if (entry.listeners.size > 0 || this.#channels.get(channel) !== entry) return;
        this.#channels.delete(channel);
        this.#subscriber?.unsubscribe(channel).catch(() => undefined);
      };
    }
  }

  async getShared(key: string): Promise<EvalResult[] | undefined> {
    const parsed = parseJson(await this.#redis.get(this.#sharedKey(key)));
    return Array.isArray(parsed) ? (parsed as EvalResult[]) : undefined;
  }

  async putShared(key: string, flags: EvalResult[]): Promise<void> {
    await this.#redis.set(this.#sharedKey(key), JSON.stringify(flags), this.#options.sharedTtlMs);
  }

  /** One more link uses the coordinator (and will call {@link close} once). */
  retain(): this {
    this.#users += 1;
    return this;
  }

  async close(): Promise<void> {
    this.#users = Math.max(0, this.#users - 1);
    if (this.#users > 0) return;
    // Ends the connection even while it is still connecting (Redis down or frozen), so the process can exit.
    this.#subscriber?.destroy();
    this.#subscriber = undefined;
    this.#channels.clear();
  }

  /** Subscribes `channel` on the shared connection (opened on first use). */
  #subscribe(channel: string): Channel {
    const subscriber = (this.#subscriber ??= this.#redis.subscriber());
    const listeners = new Set<(origin?: string) => void>();
    const subscribed = subscriber.subscribe(channel, (message) => {
      const origin = message.split(' ')[1];
      for (const listener of [...listeners]) listener(origin);
    });
    const entry: Channel = { listeners, subscribed };
    this.#channels.set(channel, entry);
    return entry;
  }

  /** Runs `script` on the scope's keys (one slot, thanks to the hash tag, so on a cluster too). */
  #run(script: string, scope: string, ...argv: (string | number)[]): Promise<unknown> {
    const key = this.#key(scope);
    const keys = ['lease', 'health', 'snapshot', 'farewell', 'term'].map((name) => key + name);
    return this.#redis.eval(script, keys, [key + 'changed', this.leaseMs, ...argv].map(String));
  }

  /** What the scope's key names start with. */
  #key(scope: string): string {
    // The hash tag ({…}) puts every key of one scope in one cluster slot: one script may touch them all.
    return `${this.#options.prefix}fleet:{${digest(scope)}}:`;
  }

  #sharedKey(key: string): string {
    return `${this.#options.prefix}fleet:for:${digest(key)}`;
  }
}
