import { describe, expect, it } from 'vitest';
import { FlagSnapshot } from '../../lib/index.js';
import { StoreSync } from '../../lib/client/features/persistence.js';
import { StoreError, storeScope, webStorageStore } from '../../lib/stores/index.js';
import { sha256Base64Url } from '../../lib/stores/fleet/sha256.js';
import { captureLog } from '../support/log-capture.js';
import { virtualTime } from '../support/virtual.js';
import { MemoryStorage } from './memory-storage.js';
import { flag, record } from './records.js';
import * as errors from '../../lib/errors.js';

describe('webStorageStore()', () => {
  it('keeps one key per scope under its prefix, named by a hash: no user id, e-mail or attribute in key names', async () => {
    const storage = new MemoryStorage();
    const store = webStorageStore(storage, { prefix: 'app:' });
    const alice = { ...record('a'), scope: storeScope('cuttlegate http://127.0.0.1:1/ demo/production', { userId: 'alice-42', email: 'alice@example.com', attributes: { plan: 'pro' } }) };
    await store.save(alice);
    await store.save(record('b'));
    expect(storage.keys).toHaveLength(2);
    for (const key of storage.keys) expect(key).toMatch(/^app:[\w-]{43}$/);
    expect(storage.keys.join()).not.toMatch(/alice|example|pro|127\.0\.0\.1/);
    expect(await store.load(alice.scope)).toEqual(alice);
    expect(await store.load(record('b').scope)).toEqual(record('b'));
  });

  it('entries named after the plain scope by older releases are never read and are removed on the first call', async () => {
    const storage = new MemoryStorage();
    storage.setItem(`flagstream:${record('a').scope}`, JSON.stringify(record('a')));
    storage.setItem(`flagstream:${record('b').scope}`, JSON.stringify(record('b')));
    storage.setItem('flagstream:v1', 'not ours');
    storage.setItem('other-app', 'kept');
    const store = webStorageStore(storage);
    expect(await store.load(record('a').scope)).toBeUndefined();
    expect(storage.keys).toEqual(['flagstream:v1', 'other-app']);
    // A storage without enumeration (only getItem/setItem) still works; nothing is swept.
    const bare = { items: new Map<string, string>(), getItem: (key: string) => bare.items.get(key) ?? null, setItem: (key: string, value: string) => void bare.items.set(key, value) };
    await webStorageStore(bare).save(record('a'));
    expect(await webStorageStore(bare).load(record('a').scope)).toEqual(record('a'));
  });

  it('the sweep of old entries removes only records of their own scope (an empty prefix spares other keys) and never fails a call', async () => {
    const storage = new MemoryStorage();
    storage.setItem(record('a').scope, JSON.stringify(record('a')));
    storage.setItem('v1 another app', JSON.stringify({ version: 1, note: 'theirs' }));
    storage.setItem('v1 mislabelled', JSON.stringify(record('b')));
    await webStorageStore(storage, { prefix: '' }).load(record('a').scope);
    expect(storage.keys).toEqual(['v1 another app', 'v1 mislabelled']);
    // A storage whose listing throws (a sandboxed frame): the old entries stay, loads and saves go on.
    const refusing = new MemoryStorage();
    Object.defineProperty(refusing, 'key', { value: () => { throw new DOMException('denied', 'SecurityError'); } });
    const store = webStorageStore(refusing);
    await store.save(record('c'));
    expect(await store.load(record('c').scope)).toEqual(record('c'));
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
    storage.setItem(`flagstream:${sha256Base64Url(record('a').scope)}`, '{not json');
    storage.setItem(`flagstream:${sha256Base64Url(record('b').scope)}`, '{"version":9}');
    expect(await store.load(record('a').scope)).toBeUndefined();
    expect(await store.load(record('b').scope)).toBeUndefined();
    expect(log.lines).toHaveLength(2);
  });
});
