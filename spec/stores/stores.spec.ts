import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { fileStore, memoryStore, webStorageStore } from '../../lib/stores/index.js';
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

// redisStore() keeps the contract on every accepted client: spec/stores/redis-store.spec.ts.
