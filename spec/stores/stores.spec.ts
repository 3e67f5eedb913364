import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { fileStore, memoryStore, redisStore, webStorageStore } from '../../lib/stores/index.js';
import { redisAvailable, useRedis } from '../support/redis.js';
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
  const { redis } = useRedis();
  let n = 0;
  storeContract(() => redisStore(redis(), { prefix: `contract-${++n}:` }));
});
