import type { FlagStore, StoredFlags } from '../client/options.js';
import { ConfigError, StoreError } from '../errors.js';
import type { Logger } from '../types.js';
import { isStoredFlags, storeCall, storeLogger } from './record.js';

/** Options of {@link fileStore}. */
export interface FileStoreOptions {
  /** Scopes (transport identity + context) the file keeps; the least recently saved go first (default 20). */
  maxScopes?: number;
  /** Where warnings about an unreadable file go (default: `console`). */
  logger?: Logger;
  /**
   * After how long another writer's lock counts as abandoned even though its process seems alive
   * (frozen, or another host's), ms (default 10 000). A lock of a process of this host that has ended
   * is taken over at once.
   */
  staleLockMs?: number;
}

/** The file's format marker: anything else in the file is not ours. */
const FORMAT = 'flagstream-store';

/** The file: records oldest first. */
interface StoreFile {
  format: typeof FORMAT;
  version: 1;
  records: StoredFlags[];
}

let tempCounter = 0;

/** One queue of reads and writes per real file path, shared by every fileStore of this process on that file. */
const queues = new Map<string, Promise<unknown>>();
/** Real paths whose leftovers (temp files of dead writers) this process has looked for. */
const swept = new Set<string>();

/** Runs `task` after every earlier task on `path`, so read-modify-write cycles never interleave. */
function serialized<T>(path: string, task: () => Promise<T>): Promise<T> {
  const run = (queues.get(path) ?? Promise.resolve()).then(task);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(path, settled);
  void settled.then(() => {
    if (queues.get(path) === settled) queues.delete(path);
  });
  return run;
}

/**
 * A store in one JSON file holding many scopes (Node). Writes are atomic: the new file is written
 * and synced beside the old one and renamed over it, so a crash leaves the old file or the new one,
 * never half of either. Any number of stores and processes may share the file:
 * - saves are serialized per real path (every spelling of the file: relative, absolute, through a
 *   symbolic link) within a process, and across processes by an exclusive lock file beside it
 *   (`<file>.lock`; one whose process has ended is taken over at once, any after `staleLockMs`);
 * - each save reads the file under the lock and replaces only its own scope, and never with an
 *   older record than the one there (`savedAt`), so no process rolls back another's newer save;
 * - temp files left by writers killed mid-write are removed by the next save.
 * A corrupt or foreign file is ignored with a warning and replaced on the next save; nothing here
 * crashes the process.
 */
export function fileStore(path: string, options: FileStoreOptions = {}): FlagStore {
  if (typeof path !== 'string' || path === '') throw new ConfigError('path', 'is required (a file path)');
  const maxScopes = options.maxScopes ?? 20;
  if (!Number.isInteger(maxScopes) || maxScopes < 1) throw new ConfigError('maxScopes', 'must be an integer ≥ 1');
  const staleMs = options.staleLockMs ?? 10_000;
  if (!Number.isFinite(staleMs) || staleMs <= 0) throw new ConfigError('staleLockMs', 'must be a number > 0');
  const logger = options.logger ?? storeLogger;
  const what = `fileStore ${path}`;
  /** The real path, resolved once; every call waits on it in call order, so one store's calls stay in order. */
  let real: Promise<string> | undefined;
  const inQueue = <T>(operation: 'load' | 'save', task: (file: string) => Promise<T>): Promise<T> => {
    const resolved = (real ??= import('./file-lock.js').then((lock) => lock.realFilePath(path)));
    return storeCall(operation, what, async () => {
      const file = await resolved;
      return serialized(file, () => task(file));
    });
  };

  const read = async (file: string): Promise<StoredFlags[]> => {
    const { readFile } = await import('node:fs/promises');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const records = parseFile(text);
    if (!records) logger.warn(`fileStore: ${path} is not a flagstream store file; it is ignored and will be replaced on the next save`);
    return records ?? [];
  };

  const write = async (file: string, records: StoredFlags[]): Promise<void> => {
    const [{ open, rename, unlink }, { tempName }] = await Promise.all([import('node:fs/promises'), import('./file-lock.js')]);
    const temp = await tempName(file, process.pid, ++tempCounter);
    const content: StoreFile = { format: FORMAT, version: 1, records };
    try {
      const handle = await open(temp, 'w', 0o600);
      try {
        await handle.writeFile(JSON.stringify(content));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, file);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
  };

  return {
    save(data) {
      if (!isStoredFlags(data)) return Promise.reject(new StoreError('save', 'fileStore: not a version-1 record'));
      return inQueue('save', async (file) => {
        const lock = await import('./file-lock.js');
        await lock.withFileLock(file, { staleMs, timeoutMs: 2 * staleMs }, async (brokeLock) => {
          if (brokeLock || !swept.has(file)) {
            swept.add(file);
            await lock.removeLeftovers(file, staleMs);
          }
          const records = await read(file);
          const current = records.find((record) => record.scope === data.scope);
          if (current !== undefined && savedLater(current, data)) return;
          await write(file, [...records.filter((record) => record !== current), data].slice(-maxScopes));
        });
      });
    },
    load(scope) {
      return inQueue('load', async (file) => (await read(file)).find((record) => record.scope === scope));
    },
  };
}

/** Whether `current` was saved after `candidate` (both times readable), so `candidate` must not replace it. */
function savedLater(current: StoredFlags, candidate: StoredFlags): boolean {
  const [was, now] = [Date.parse(current.savedAt), Date.parse(candidate.savedAt)];
  return Number.isFinite(was) && Number.isFinite(now) && was > now;
}

/** The records of a store file, or `undefined` when the text is not one. */
function parseFile(text: string): StoredFlags[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const file = value as Partial<StoreFile>;
  if (file.format !== FORMAT || file.version !== 1 || !Array.isArray(file.records)) return undefined;
  return file.records.filter(isStoredFlags);
}
