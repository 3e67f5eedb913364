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

/** One queue of reads and writes per file path, shared by every fileStore of this process on that path. */
const queues = new Map<string, Promise<unknown>>();

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
 * never half of either. Saves to one path from this process are serialized (across processes the last
 * write wins). A corrupt or foreign file is ignored
 * with a warning and replaced on the next save; nothing here crashes the process.
 */
export function fileStore(path: string, options: FileStoreOptions = {}): FlagStore {
  if (typeof path !== 'string' || path === '') throw new ConfigError('path', 'is required (a file path)');
  const maxScopes = options.maxScopes ?? 20;
  if (!Number.isInteger(maxScopes) || maxScopes < 1) throw new ConfigError('maxScopes', 'must be an integer ≥ 1');
  const logger = options.logger ?? storeLogger;

  const read = async (): Promise<StoredFlags[]> => {
    const { readFile } = await import('node:fs/promises');
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const records = parseFile(text);
    if (!records) logger.warn(`fileStore: ${path} is not a flagstream store file; it is ignored and will be replaced on the next save`);
    return records ?? [];
  };

  const write = async (records: StoredFlags[]): Promise<void> => {
    const { mkdir, open, rename, unlink } = await import('node:fs/promises');
    const { dirname, basename, join } = await import('node:path');
    const dir = dirname(path);
    await mkdir(dir, { recursive: true });
    const temp = join(dir, `.${basename(path)}.${process.pid}.${++tempCounter}.tmp`);
    const file: StoreFile = { format: FORMAT, version: 1, records };
    try {
      const handle = await open(temp, 'w', 0o600);
      try {
        await handle.writeFile(JSON.stringify(file));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
  };

  return {
    save(data) {
      return serialized(path, () =>
        storeCall('save', `fileStore ${path}`, async () => {
          if (!isStoredFlags(data)) throw new StoreError('save', 'fileStore: not a version-1 record');
          const records = (await read()).filter((record) => record.scope !== data.scope);
          records.push(data);
          await write(records.slice(-maxScopes));
        }),
      );
    },
    load(scope) {
      return serialized(path, () => storeCall('load', `fileStore ${path}`, async () => (await read()).find((record) => record.scope === scope)));
    },
  };
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
