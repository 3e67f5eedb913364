/**
 * fileStore with more than one writer of one file: two spellings of its path in one process, and
 * real child processes saving at the same time or killed mid-write.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StoredFlags } from '../../lib/index.js';
import { fileStore } from '../../lib/stores/index.js';
import { spawnTs, type Spawned } from '../support/spawn.js';
import { record } from './records.js';

/** The records of the store file at `path`. */
const recordsIn = (path: string): StoredFlags[] => JSON.parse(readFileSync(path, 'utf8')).records;

/** Files a writer leaves beside the store file when it dies: temp files, lock files. */
const leftovers = (dir: string): string[] => readdirSync(dir).filter((name) => /\.(tmp|lock|stale)$/.test(name));

/** The pid of a process that has exited. */
function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  return new Promise((resolve) => child.once('exit', () => resolve(child.pid!)));
}

describe('fileStore() with many writers of one file', () => {
  let root: string;
  let n = 0;
  let writers: Spawned[] = [];
  /** A fresh directory for one test. */
  const freshDir = (): string => {
    const dir = join(root, `case-${++n}`);
    mkdirSync(dir);
    return dir;
  };
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'flagstream-file-writers-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  afterEach(async () => {
    for (const writer of writers) {
      if (writer.child.exitCode === null && writer.child.signalCode === null) process.kill(writer.child.pid!, 'SIGKILL');
      await writer.exited;
    }
    writers = [];
  });

  /** Starts `count` contenders on `path` in `mode`, lets them all go at once, and waits for them to finish. */
  async function contend(path: string, mode: 'scopes' | 'shared', names: string[], count: number): Promise<Spawned[]> {
    const started = names.map((name) => spawnTs(['spec/stores/file-contender.ts', path, mode, name, String(count)]));
    writers.push(...started);
    await Promise.all(started.map((writer) => writer.waitFor(/^ready$/, 20_000)));
    writeFileSync(`${path}.go`, '');
    for (const writer of started) expect(await writer.exited).toBe(0);
    return started;
  }

  it('a relative and an absolute spelling of one path (and a symlinked directory) are one file: no save lost', async () => {
    const dir = freshDir();
    const path = join(dir, 'flags.json');
    symlinkSync(dir, join(root, `link-${n}`));
    const spellings = [path, relative(process.cwd(), path), join(root, `link-${n}`, 'flags.json')];
    const stores = spellings.map((spelling) => fileStore(spelling, { maxScopes: 100 }));
    await Promise.all(Array.from({ length: 20 }, (_, i) => stores.map((store, s) => store.save(record(`s${s}-${i}`)))).flat());
    expect(recordsIn(path)).toHaveLength(60);
    expect(leftovers(dir)).toEqual([]);
  });

  it('two processes saving different scopes at once: every record is kept', async () => {
    const dir = freshDir();
    const path = join(dir, 'flags.json');
    await contend(path, 'scopes', ['a', 'b'], 60);
    const scopes = new Set(recordsIn(path).map((r) => r.scope));
    const missing = ['a', 'b'].flatMap((name) => Array.from({ length: 60 }, (_, i) => record(`${name}-${i}`).scope)).filter((scope) => !scopes.has(scope));
    expect(missing).toEqual([]);
    expect(leftovers(dir)).toEqual([]);
  }, 60_000);

  it('two processes saving one scope at once: the newest save wins, and a completed save is never rolled back', async () => {
    const dir = freshDir();
    const path = join(dir, 'flags.json');
    const rollbacks: string[] = [];
    let watching = true;
    let printedMax = '';
    const printed = (writers: Spawned[]): string[] => writers.flatMap((w) => w.output().match(/^saved \S+$/gm) ?? []).map((line) => line.slice(6));
    // While they write, every read of the file must hold a save at least as new as every save completed before the read.
    const watcher = (async () => {
      while (watching) {
        const floor = printedMax;
        try {
          const shared = recordsIn(path).find((r) => r.scope === record('shared').scope);
          if (shared && shared.savedAt < floor) rollbacks.push(`${shared.savedAt} after ${floor} had completed`);
        } catch {
          // not written yet
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    const started = ['a', 'b'].map((name) => spawnTs(['spec/stores/file-contender.ts', path, 'shared', name, '150']));
    writers.push(...started);
    const tracker = setInterval(() => {
      for (const savedAt of printed(started)) if (savedAt > printedMax) printedMax = savedAt;
    }, 1);
    try {
      await Promise.all(started.map((writer) => writer.waitFor(/^ready$/, 20_000)));
      writeFileSync(`${path}.go`, '');
      for (const writer of started) expect(await writer.exited).toBe(0);
    } finally {
      clearInterval(tracker);
      watching = false;
      await watcher;
    }
    const newest = printed(started).sort().at(-1)!;
    expect(rollbacks).toEqual([]);
    expect(recordsIn(path).find((r) => r.scope === record('shared').scope)?.savedAt).toBe(newest);
    expect(leftovers(dir)).toEqual([]);
  }, 60_000);

  it('a writer SIGKILLed mid-write leaves valid JSON; the next save removes its temp and lock files at once', async () => {
    const dir = freshDir();
    const path = join(dir, 'flags.json');
    const dead = await deadPid();
    writeFileSync(join(dir, `.flags.json.${dead}.1.tmp`), '{"format":"flagstream-store","version":1,"rec');
    for (const after of [2, 5, 9]) {
      const writer = spawnTs(['spec/stores/file-writer.ts', path]);
      writers.push(writer);
      await writer.waitFor(new RegExp(`^saved ${after}$`), 20_000);
      process.kill(writer.child.pid!, 'SIGKILL');
      expect(await writer.exited).toBe('SIGKILL');
      expect(() => recordsIn(path)).not.toThrow();
      const started = Date.now();
      await fileStore(path).save(record(`after-${after}`));
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(leftovers(dir)).toEqual([]);
      expect((await fileStore(path).load(record('crash').scope))?.flags.length).toBeGreaterThan(0);
      expect(await fileStore(path).load(record(`after-${after}`).scope)).toEqual(record(`after-${after}`));
    }
  }, 60_000);

  it('a lock whose process is alive waits; it counts as abandoned once older than staleLockMs', async () => {
    const dir = freshDir();
    const path = join(dir, 'flags.json');
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: process.pid, host: 'this-host', token: 'held' }));
    const started = Date.now();
    await fileStore(path, { staleLockMs: 400 }).save(record('a'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(await fileStore(path).load(record('a').scope)).toEqual(record('a'));
    expect(leftovers(dir)).toEqual([]);
  });
});
