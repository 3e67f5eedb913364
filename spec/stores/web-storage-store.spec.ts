import { describe, expect, it } from 'vitest';
import { FlagSnapshot } from '../../lib/index.js';
import { StoreSync } from '../../lib/client/features/persistence.js';
import { StoreError, webStorageStore } from '../../lib/stores/index.js';
import { captureLog } from '../support/log-capture.js';
import { virtualTime } from '../support/virtual.js';
import { MemoryStorage } from './memory-storage.js';
import { flag, record } from './records.js';
import * as errors from '../../lib/errors.js';

describe('webStorageStore()', () => {
  it('keeps one key per scope under its prefix', async () => {
    const storage = new MemoryStorage();
    const store = webStorageStore(storage, { prefix: 'app:' });
    await store.save(record('a'));
    await store.save(record('b'));
    expect(storage.keys).toEqual([`app:${record('a').scope}`, `app:${record('b').scope}`]);
  });

  it('a full storage rejects the save with a quota StoreError, never throwing synchronously, and keeps the old record', async () => {
    const storage = new MemoryStorage(2_000);
    const store = webStorageStore(storage);
    const small = record('a');
    await store.save(small);
    const huge = record('a', Array.from({ length: 50 }, (_, i) => flag(`flag-${i}`, 'x'.repeat(40))));
    let saving: Promise<void> | undefined;
    expect(() => (saving = store.save(huge))).not.toThrow();
    const error = await saving!.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ operation: 'save', quota: true });
    expect(await store.load(small.scope)).toEqual(small);
  });

  it('the client side reports the quota error with quota set', async () => {
    const scheduler = virtualTime();
    const reports: StoreError[] = [];
    const sync = new StoreSync(webStorageStore(new MemoryStorage(100)), scheduler, captureLog().logger, (e) => reports.push(e), errors);
    sync.saveIfChanged(record('a').scope, FlagSnapshot.from([flag('dark-mode', true)]));
    await sync.close();
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ operation: 'save', quota: true });
  });

  it('other storage failures reject with a StoreError too (storage disabled, getItem throwing)', async () => {
    const broken = {
      getItem(): string | null {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
      setItem(): void {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
    };
    const store = webStorageStore(broken);
    await expect(store.save(record('a'))).rejects.toMatchObject({ operation: 'save', quota: false });
    await expect(store.load('x')).rejects.toMatchObject({ operation: 'load' });
  });

  it('an entry that is not a record is ignored with a warning', async () => {
    const storage = new MemoryStorage();
    const log = captureLog();
    const store = webStorageStore(storage, { logger: log.logger });
    storage.setItem(`flagstream:${record('a').scope}`, '{not json');
    storage.setItem(`flagstream:${record('b').scope}`, '{"version":9}');
    expect(await store.load(record('a').scope)).toBeUndefined();
    expect(await store.load(record('b').scope)).toBeUndefined();
    expect(log.lines).toHaveLength(2);
  });
});
