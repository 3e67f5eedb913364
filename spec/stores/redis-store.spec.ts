import { asyncScheduler } from 'rxjs';
import { createClient } from 'redis';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, rollgate } from '../../lib/index.js';
import { FlagSnapshot } from '../../lib/index.js';
import { StoreSync } from '../../lib/client/features/persistence.js';
import { StoreError, redisStore, storeScope } from '../../lib/stores/index.js';
import { captureLog } from '../support/log-capture.js';
import { redisAvailable, startRedis, useRedis, type RedisClient } from '../support/redis.js';
import { virtualTime } from '../support/virtual.js';
import { flag, record } from './records.js';

describe.skipIf(!redisAvailable)('redisStore() on a real Redis', () => {
  const shared = useRedis();
  let redis: RedisClient;
  beforeEach(() => {
    redis = shared.redis();
  });

  it('one string key per scope under the prefix, no expiry by default', async () => {
    await redisStore(redis, { prefix: 'plain:' }).save(record('a'));
    expect(await redis.keys('plain:*')).toEqual([`plain:${record('a').scope}`]);
    expect(await redis.ttl(`plain:${record('a').scope}`)).toBe(-1);
  });

  it('with ttlSeconds each save sets the expiry again, and an expired record is gone', async () => {
    const store = redisStore(redis, { prefix: 'ttl:', ttlSeconds: 60 });
    const key = `ttl:${record('a').scope}`;
    await store.save(record('a'));
    await redis.expire(key, 5);
    await store.save(record('a', [flag('dark-mode', false)]));
    expect(await redis.ttl(key)).toBeGreaterThan(55);
    const short = redisStore(redis, { prefix: 'short:', ttlSeconds: 1 });
    await short.save(record('a'));
    expect(await short.load(record('a').scope)).toEqual(record('a'));
    await expect.poll(() => short.load(record('a').scope), { timeout: 3_000, interval: 100 }).toBeUndefined();
  });

  it('a value that is not a record is ignored with a warning', async () => {
    const log = captureLog();
    await redis.set(`junk:${record('a').scope}`, '<html>');
    expect(await redisStore(redis, { prefix: 'junk:', logger: log.logger }).load(record('a').scope)).toBeUndefined();
    expect(log.lines).toHaveLength(1);
  });

  it('the API key never appears in Redis (keys or values)', async () => {
    const apiKey = 'rg_server_never_in_redis_0123456789';
    const transport = rollgate({ baseUrl: 'http://127.0.0.1:1', apiKey });
    const sync = new StoreSync(redisStore(redis, { prefix: 'secret:' }), virtualTime(), captureLog().logger, () => undefined);
    sync.saveIfChanged(storeScope(transport.identity!, { userId: 'u1' }), FlagSnapshot.from([flag('dark-mode', true)]));
    await sync.close();
    const keys = await redis.keys('secret:*');
    expect(keys).toHaveLength(1);
    const dump = keys.join('\n') + (await redis.get(keys[0]!));
    expect(dump).not.toContain(apiKey);
    expect(dump).not.toContain('never_in_redis');
  });

  it('Redis killed: a queued save times out and is reported; once Redis is back the next save lands', async () => {
    const own = await startRedis();
    const client = createClient({ url: own.url, socket: { reconnectStrategy: () => 100 } });
    const errors: unknown[] = [];
    client.on('error', (error) => errors.push(error));
    await client.connect();
    try {
      const reports: StoreError[] = [];
      const sync = new StoreSync(redisStore(client, { prefix: 'outage:' }), asyncScheduler, captureLog().logger, (e) => reports.push(e), {
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
      await expect.poll(async () => (await client.get(`outage:${scope}`)) ?? '', { timeout: 3_000 }).toContain('"value":false');
      await sync.close();
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      client.destroy();
      await own.stop();
    }
  }, 20_000);

  it('rejects a bad ttlSeconds with a ConfigError', () => {
    expect(() => redisStore(redis, { ttlSeconds: 0 })).toThrow(ConfigError);
    expect(() => redisStore(redis, { ttlSeconds: 1.5 })).toThrow(/ttlSeconds/);
  });
});
