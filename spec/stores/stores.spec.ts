import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe } from 'vitest';
import { fileStore, memoryStore, redisStore, webStorageStore } from '../../lib/stores/index.js';
import { redisAvailable, startRedis, type RedisInstance } from '../support/redis.js';
import { storeContract } from './contract.js';
import { MemoryStorage } from './memory-storage.js';

describe('memoryStore() keeps the FlagStore contract', () => {
  storeContract(() => memoryStore());
});

describe('fileStore() keeps the FlagStore contract', () => {
  let dir: string;
  let n = 0;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'flagstream-stores-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  storeContract(() => fileStore(join(dir, `flags-${++n}.json`)));
});

describe('webStorageStore() keeps the FlagStore contract', () => {
  storeContract(() => webStorageStore(new MemoryStorage()));
});

describe.skipIf(!redisAvailable)('redisStore() on a real Redis keeps the FlagStore contract', () => {
  let server: RedisInstance;
  let redis: ReturnType<typeof createClient>;
  let n = 0;
  beforeAll(async () => {
    server = await startRedis();
    redis = createClient({ url: server.url });
    await redis.connect();
  });
  afterAll(async () => {
    redis?.destroy();
    await server?.stop();
  });
  storeContract(() => redisStore(redis, { prefix: `contract-${++n}:` }));
});
