import { asyncScheduler } from 'rxjs';
import { createClient } from 'redis';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, rollgate } from '../../lib/index.js';
import { FlagSnapshot } from '../../lib/index.js';
import { StoreSync } from '../../lib/client/features/persistence.js';
import { sha256Base64Url } from '../../lib/stores/fleet/sha256.js';
import { RedisCommandError, StoreError, redisStore, storeScope, type RedisClientLike } from '../../lib/stores/index.js';
import { captureLog } from '../support/log-capture.js';
import { redisAvailable, startRedis } from '../support/redis.js';
import { REDIS_KINDS, useRedisKind, useRedisServers, type RedisAdmin } from '../support/redis-kinds.js';
import { virtualTime } from '../support/virtual.js';
import { storeContract } from './contract.js';
import { flag, record } from './records.js';
import * as storeErrors from '../../lib/errors.js';

/** The key redisStore uses for `scope` under `prefix`. */
const keyOf = (prefix: string, scope: string): string => prefix + sha256Base64Url(scope);

describe.skipIf(!redisAvailable)('redisStore() on real Redis', () => {
  const servers = useRedisServers();

  describe.each(REDIS_KINDS)('with a %s client', (kind) => {
    const target = useRedisKind(kind, servers);
    let redis: RedisClientLike;
    let admin: RedisAdmin;
    let n = 0;
    beforeEach(() => {
      redis = target().client;
      admin = servers.admin(kind);
    });

    describe('keeps the FlagStore contract', () => {
      storeContract(() => redisStore(redis, { prefix: `contract-${++n}:` }));
    });

    it('one string key per scope under the prefix, named by the scope’s hash: no user id or e-mail in key names', async () => {
      const mail = storeScope('cuttlegate http://127.0.0.1:1/ demo/production', { userId: 'user-42', email: 'ada@example.com' });
      const saved = { ...record('user-42'), scope: mail };
      await redisStore(redis, { prefix: 'plain:' }).save(saved);
      const keys = await admin.keys('plain:*');
      expect(keys).toEqual([keyOf('plain:', mail)]);
      expect(keys.join('\n')).not.toMatch(/user-42|ada@example\.com|demo|cuttlegate/);
      expect(JSON.parse((await admin.get(keys[0]!))!)).toMatchObject({ scope: mail }); // the record keeps its scope
      expect(await admin.ttl(keys[0]!)).toBe(-1);
    });

    it('a record under another scope’s key (a hash collision or a copied value) is not restored', async () => {
      const store = redisStore(redis, { prefix: 'moved:' });
      await store.save(record('a'));
      await admin.set(keyOf('moved:', record('b').scope), (await admin.get(keyOf('moved:', record('a').scope)))!);
      expect(await store.load(record('b').scope)).toBeUndefined();
    });

    it('with ttlSeconds each save sets the expiry again, and an expired record is gone', async () => {
      const store = redisStore(redis, { prefix: 'ttl:', ttlSeconds: 60 });
      const key = keyOf('ttl:', record('a').scope);
      await store.save(record('a'));
      await admin.expire(key, 5);
      await store.save(record('a', [flag('dark-mode', false)]));
      expect(await admin.ttl(key)).toBeGreaterThan(55);
      const short = redisStore(redis, { prefix: 'short:', ttlSeconds: 1 });
      await short.save(record('a'));
      expect(await short.load(record('a').scope)).toEqual(record('a'));
      await expect.poll(() => short.load(record('a').scope), { timeout: 3_000, interval: 100 }).toBeUndefined();
    });

    it('a value that is not a record is ignored with a warning', async () => {
      const log = captureLog();
      await admin.set(keyOf('junk:', record('a').scope), '<html>');
      expect(await redisStore(redis, { prefix: 'junk:', logger: log.logger }).load(record('a').scope)).toBeUndefined();
      expect(log.lines).toHaveLength(1);
    });

    it('a refused command is reported with Redis’s own reply, not as an outage', async () => {
      // A list where the record should be: GET answers WRONGTYPE.
      await admin.rpush(keyOf('wrongtype:', record('a').scope), 'x');
      const store = redisStore(redis, { prefix: 'wrongtype:' });
      const error = await store.load(record('a').scope).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).message).toMatch(/^redisStore: Redis refused GET: WRONGTYPE /);
      expect((error as StoreError).cause).toBeInstanceOf(RedisCommandError);
      expect((error as StoreError).cause).toMatchObject({ code: 'WRONGTYPE', retryable: false });
    });

    it('the API key never appears in Redis (keys or values)', async () => {
      const apiKey = 'rg_server_never_in_redis_0123456789';
      const transport = rollgate({ baseUrl: 'http://127.0.0.1:1', apiKey });
      const sync = new StoreSync(redisStore(redis, { prefix: 'secret:' }), virtualTime(), captureLog().logger, () => undefined, storeErrors);
      sync.saveIfChanged(storeScope(transport.identity!, { userId: 'u1' }), FlagSnapshot.from([flag('dark-mode', true)]));
      await sync.close();
      const keys = await admin.keys('secret:*');
      expect(keys).toHaveLength(1);
      const dump = keys.join('\n') + (await admin.get(keys[0]!));
      expect(dump).not.toContain(apiKey);
      expect(dump).not.toContain('never_in_redis');
    });
  });

  it('Redis killed: a queued save times out and is reported; once Redis is back the next save lands', async () => {
    const own = await startRedis();
    const client = createClient({ url: own.url, socket: { reconnectStrategy: () => 100 } });
    const errors: unknown[] = [];
    client.on('error', (error) => errors.push(error));
    await client.connect();
    try {
      const reports: StoreError[] = [];
      const sync = new StoreSync(redisStore(client, { prefix: 'outage:' }), asyncScheduler, captureLog().logger, (e) => reports.push(e), storeErrors, {
        debounceMs: 10,
        timeoutMs: 500,
      });
      const scope = record('a').scope;
      await own.kill();
      sync.saveIfChanged(scope, FlagSnapshot.from([flag('dark-mode', true)]));
      await expect.poll(() => reports.length, { timeout: 3_000 }).toBe(1);
      expect(reports[0]).toMatchObject({ operation: 'save', message: 'flag store save failed: timed out after 500 ms' });
      await own.restart();
      await expect.poll(() => client.isReady, { timeout: 5_000 }).toBe(true);
      sync.saveIfChanged(scope, FlagSnapshot.from([flag('dark-mode', false)]));
      await expect.poll(async () => (await client.get(keyOf('outage:', scope))) ?? '', { timeout: 3_000 }).toContain('"value":false');
      await sync.close();
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      client.destroy();
      await own.stop();
    }
  }, 20_000);

  it('rejects a bad ttlSeconds, and anything that is not an accepted Redis client, with a ConfigError', () => {
    const hanging = { sendCommand: () => new Promise<never>(() => {}), duplicate: () => ({}) } as never;
    expect(() => redisStore(hanging, { ttlSeconds: 0 })).toThrow(ConfigError);
    expect(() => redisStore(hanging, { ttlSeconds: 1.5 })).toThrow(/ttlSeconds/);
    // What redisStore took before: any object with get() and set().
    const getSet = { get: async () => null, set: async () => 'OK' };
    for (const wrong of [getSet, {}, null, 'redis://127.0.0.1:6379', { duplicate() {} }]) {
      expect(() => redisStore(wrong as never)).toThrow(ConfigError);
    }
    expect(() => redisStore(getSet as never)).toThrow(
      'redis: must be a connected node-redis (≥ 4.6) or ioredis (≥ 5) client or cluster',
    );
  });
});
