/**
 * What lets many processes write one store file safely (Node): the file's real path, an exclusive
 * lock file beside it, and the clean-up of what a writer killed mid-write left behind. Node's
 * modules are imported on first use, so a browser bundle of `flagstream/stores` never pulls them.
 */

/** The Node modules used here, loaded once. */
let nodeModules: Promise<NodeModules> | undefined;
type NodeModules = typeof import('node:fs/promises') & Pick<typeof import('node:path'), 'basename' | 'dirname' | 'join' | 'resolve'> & { hostname(): string };

function node(): Promise<NodeModules> {
  nodeModules ??= Promise.all([import('node:fs/promises'), import('node:path'), import('node:os')]).then(([fs, path, os]) => ({
    ...fs,
    basename: path.basename,
    dirname: path.dirname,
    join: path.join,
    resolve: path.resolve,
    hostname: os.hostname,
  }));
  return nodeModules;
}

/** How long a lock file may stay empty (its writer between creating and filling it) before it counts as abandoned. */
const EMPTY_LOCK_GRACE_MS = 1_000;

/**
 * The path with every symbolic link and relative part resolved, so two spellings of one file are
 * one key. Parts that do not exist yet are appended to the real path of the deepest existing one.
 */
export async function realFilePath(path: string): Promise<string> {
  const { basename, dirname, join, realpath, resolve } = await node();
  const absolute = resolve(path);
  const missing: string[] = [];
  for (let head = absolute; ; head = dirname(head)) {
    try {
      return join(await realpath(head), ...missing.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || dirname(head) === head) return absolute;
      missing.push(basename(head));
    }
  }
}

/** Whether process `pid` of this host is running. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What a lock file says about its holder. */
interface Holder {
  text: string;
  ageMs: number;
  pid?: number;
  host?: string;
}

let asideCounter = 0;

/** How a file is locked: `staleMs` after which any lock counts as abandoned; `timeoutMs` to give up waiting. */
export interface LockTimes {
  staleMs: number;
  timeoutMs: number;
}

/**
 * Runs `task` holding `<path>.lock`, created exclusively (`O_EXCL`) with this process's pid, host
 * and a token (the directory is created first when missing). A lock whose process has ended (same
 * host), or older than `staleMs`, or empty for more than a second, is abandoned: it is moved aside
 * and removed. `task` learns whether it broke one, so it can remove that writer's temp files.
 */
export async function withFileLock<T>(path: string, times: LockTimes, task: (brokeLock: boolean) => Promise<T>): Promise<T> {
  const { dirname, hostname, mkdir, open, readFile, unlink } = await node();
  const lockPath = `${path}.lock`;
  await mkdir(dirname(path), { recursive: true });
  const host = hostname();
  const text = JSON.stringify({ pid: process.pid, host, token: globalThis.crypto.randomUUID() });
  const deadline = Date.now() + times.timeoutMs;
  let brokeLock = false;
  for (let delayMs = 2; ; ) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      try {
        await handle.writeFile(text);
      } catch (error) {
        await handle.close();
        await unlink(lockPath).catch(() => undefined);
        throw error;
      }
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readHolder(lockPath);
    if (holder === undefined) continue;
    if (abandoned(holder, times.staleMs, host)) {
      await breakLock(lockPath, holder.text);
      brokeLock = true;
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${lockPath} is held by another writer for more than ${times.timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, delayMs));
    delayMs = Math.min(delayMs * 2, 50);
  }
  try {
    return await task(brokeLock);
  } finally {
    // Only our own lock is removed: if ours was taken as abandoned, the file now belongs to another writer.
    if ((await readFile(lockPath, 'utf8').catch(() => undefined)) === text) await unlink(lockPath).catch(() => undefined);
  }
}

async function readHolder(lockPath: string): Promise<Holder | undefined> {
  const { readFile, stat } = await node();
  try {
    const [text, info] = await Promise.all([readFile(lockPath, 'utf8'), stat(lockPath)]);
    let parsed: { pid?: unknown; host?: unknown } = {};
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      // being written, or cut short by a crash: judged by its age
    }
    return {
      text,
      ageMs: Date.now() - info.mtimeMs,
      pid: typeof parsed.pid === 'number' ? parsed.pid : undefined,
      host: typeof parsed.host === 'string' ? parsed.host : undefined,
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function abandoned(holder: Holder, staleMs: number, host: string): boolean {
  if (holder.ageMs > staleMs) return true;
  if (holder.pid === undefined) return holder.ageMs > EMPTY_LOCK_GRACE_MS;
  return holder.host === host && !alive(holder.pid);
}

/**
 * Removes the abandoned lock whose content was `seen`. It is renamed aside first (atomic), so when
 * another writer broke it and took a fresh lock in between, that fresh lock is put back, not lost.
 */
async function breakLock(lockPath: string, seen: string): Promise<void> {
  const { link, readFile, rename, unlink } = await node();
  const aside = `${lockPath}.${process.pid}.${++asideCounter}.stale`;
  try {
    await rename(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if ((await readFile(aside, 'utf8').catch(() => seen)) !== seen) await link(aside, lockPath).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

/** The name of a temp file of `path` written by `pid`. */
export async function tempName(path: string, pid: number, counter: number): Promise<string> {
  const { basename, dirname, join } = await node();
  return join(dirname(path), `.${basename(path)}.${pid}.${counter}.tmp`);
}

/**
 * Removes what writers of `path` that are gone left beside it: temp files (`.<name>.<pid>.<n>.tmp`)
 * and set-aside locks (`<name>.lock.<pid>.<n>.stale`) of processes of this host that have ended, or
 * older than `staleMs`. Called while holding the lock, so no live writer of this file is mid-write.
 */
export async function removeLeftovers(path: string, staleMs: number): Promise<void> {
  const { basename, dirname, join, readdir, stat, unlink } = await node();
  const dir = dirname(path);
  const name = escapeRegExp(basename(path));
  const pattern = new RegExp(`^(?:\\.${name}\\.(\\d+)\\.\\d+\\.tmp|${name}\\.lock\\.(\\d+)\\.\\d+\\.stale)$`);
  for (const entry of await readdir(dir).catch(() => [] as string[])) {
    const match = pattern.exec(entry);
    if (!match) continue;
    const pid = Number(match[1] ?? match[2]);
    if (pid === process.pid) continue;
    const file = join(dir, entry);
    const ageMs = Date.now() - ((await stat(file).catch(() => undefined))?.mtimeMs ?? Date.now());
    if (!alive(pid) || ageMs > staleMs) await unlink(file).catch(() => undefined);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
