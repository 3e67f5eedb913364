import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, FlagSnapshot, cuttlegate } from '../../lib/index.js';
import { StoreSync } from '../../lib/client/features/persistence.js';
import { StoreError, fileStore, storeScope } from '../../lib/stores/index.js';
import { captureLog } from '../support/log-capture.js';
import { spawnTs, type Spawned } from '../support/spawn.js';
import { virtualTime } from '../support/virtual.js';
import { flag, record } from './records.js';
import * as errors from '../../lib/errors.js';

describe('fileStore()', () => {
  let dir: string;
  let n = 0;
  const fresh = (): string => join(dir, `flags-${++n}.json`);
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'flagstream-file-store-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one versioned file holding every scope, and leaves no temp file behind', async () => {
    const path = fresh();
    const store = fileStore(path);
    await store.save(record('a'));
    await store.save(record('b'));
    const file = JSON.parse(readFileSync(path, 'utf8'));
    expect(file).toMatchObject({ format: 'flagstream-store', version: 1 });
    expect(file.records.map((r: { scope: string }) => r.scope)).toEqual([record('a').scope, record('b').scope]);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('keeps at most maxScopes scopes, dropping the least recently saved', async () => {
    const path = fresh();
    const store = fileStore(path, { maxScopes: 2 });
    await store.save(record('a'));
    await store.save(record('b'));
    await store.save(record('a', [flag('dark-mode', false)]));
    await store.save(record('c'));
    expect(await store.load(record('b').scope)).toBeUndefined();
    expect((await store.load(record('a').scope))?.flags[0]?.value).toBe(false);
    expect(await store.load(record('c').scope)).toEqual(record('c'));
  });

  it('creates a missing directory', async () => {
    const path = join(dir, 'deep', 'er', 'flags.json');
    await fileStore(path).save(record('a'));
    expect(await fileStore(path).load(record('a').scope)).toEqual(record('a'));
  });

  it.each([
    ['corrupt', '{"format":"flagstream-store","version":1,"records":[{"vers'],
    ['foreign', '{"name":"my-app","version":"1.0.0"}'],
    ['a newer format', '{"format":"flagstream-store","version":2,"records":[]}'],
    ['empty', ''],
  ])('a %s file is ignored with a warning and replaced by the next save', async (_, text) => {
    const path = fresh();
    writeFileSync(path, text);
    const log = captureLog();
    const store = fileStore(path, { logger: log.logger });
    expect(await store.load(record('a').scope)).toBeUndefined();
    expect(log.lines.join('\n')).toMatch(/not a flagstream store file/);
    await store.save(record('a'));
    expect(await fileStore(path).load(record('a').scope)).toEqual(record('a'));
  });

  it('drops malformed records from a file and keeps the good ones', async () => {
    const path = fresh();
    writeFileSync(path, JSON.stringify({ format: 'flagstream-store', version: 1, records: [{ junk: true }, record('a'), 7] }));
    expect(await fileStore(path).load(record('a').scope)).toEqual(record('a'));
  });

  it('serializes concurrent saves: 40 at once from one store, none lost', async () => {
    const path = fresh();
    const store = fileStore(path, { maxScopes: 100 });
    const records = Array.from({ length: 40 }, (_, i) => record(`u${i}`, [flag('n', i)]));
    await Promise.all(records.map((r) => store.save(r)));
    const file = JSON.parse(readFileSync(path, 'utf8'));
    expect(file.records).toHaveLength(40);
  });

  it('two stores on one path in one process never lose each other’s saves', async () => {
    const path = fresh();
    const [a, b] = [fileStore(path, { maxScopes: 100 }), fileStore(path, { maxScopes: 100 })];
    const saves = Array.from({ length: 20 }, (_, i) => [a.save(record(`a${i}`)), b.save(record(`b${i}`))]).flat();
    await Promise.all(saves);
    expect(JSON.parse(readFileSync(path, 'utf8')).records).toHaveLength(40);
  });

  it('an unreadable path rejects with a StoreError, never throws or crashes', async () => {
    const path = join(dir, 'is-a-directory');
    mkdirSync(path);
    const store = fileStore(path);
    await expect(store.load('x')).rejects.toBeInstanceOf(StoreError);
    await expect(store.save(record('a'))).rejects.toMatchObject({ operation: 'save' });
    await expect(store.load('x')).rejects.toMatchObject({ operation: 'load' });
  });

  it('a client record saved through StoreSync holds no API key', async () => {
    const path = fresh();
    const apiKey = 'cg_demo_production_never_on_disk_0123456789abcdef';
    const transport = cuttlegate({ serverUrl: 'http://127.0.0.1:1', apiKey, project: 'demo', environment: 'production' });
    const sync = new StoreSync(fileStore(path), virtualTime(), captureLog().logger, () => undefined, errors);
    sync.saveIfChanged(storeScope(transport.identity!, { userId: 'u1' }), FlagSnapshot.from([flag('dark-mode', true)]));
    await sync.close();
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('demo/production');
    expect(text).not.toContain(apiKey);
    expect(text).not.toContain('never_on_disk');
  });

  it('rejects bad options with a ConfigError naming the field', () => {
    expect(() => fileStore('')).toThrow(ConfigError);
    expect(() => fileStore(fresh(), { maxScopes: 0 })).toThrow(/maxScopes/);
  });

  describe('a process killed while saving', () => {
    let writer: Spawned | undefined;
    afterEach(async () => {
      if (writer && writer.child.exitCode === null && writer.child.signalCode === null) {
        process.kill(writer.child.pid!, 'SIGKILL');
        await writer.exited;
      }
      writer = undefined;
    });

    it('leaves the last complete file: every kill point still loads a whole record', async () => {
      const path = fresh();
      for (const after of [3, 8, 15]) {
        writer = spawnTs(['spec/stores/file-writer.ts', path]);
        await writer.waitFor(new RegExp(`^saved ${after}$`), 10_000);
        process.kill(writer.child.pid!, 'SIGKILL');
        expect(await writer.exited).toBe('SIGKILL');
        const loaded = await fileStore(path).load(record('crash').scope);
        expect(loaded).toBeDefined();
        expect([1, 5_000]).toContain(loaded!.flags.length);
        expect(() => JSON.parse(readFileSync(path, 'utf8'))).not.toThrow();
      }
    }, 40_000);

    it('a temp file left by a crash between write and rename changes nothing; the next save succeeds', async () => {
      const path = fresh();
      const store = fileStore(path);
      await store.save(record('a'));
      const before = readFileSync(path, 'utf8');
      writeFileSync(join(dir, `.${path.split('/').pop()}.99999.1.tmp`), '{"format":"flagstream-store","version":1,"rec');
      expect(readFileSync(path, 'utf8')).toBe(before);
      expect(await fileStore(path).load(record('a').scope)).toEqual(record('a'));
      await store.save(record('b'));
      expect(await fileStore(path).load(record('b').scope)).toEqual(record('b'));
    });
  });
});
