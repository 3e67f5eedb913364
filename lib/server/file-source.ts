/** Keeps the server's flags in step with its file: reloads on demand or on change, one read at a time. */
import type { Logger } from '../types.js';
import { watchFile, type FileWatch } from './file-watcher.js';
import type { FlagStateChange } from './flag-store.js';
import type { FlagsDocument, FlagsFileIssue } from './flags-file.js';
import { readFlagsFile } from './load.js';

/** What a {@link FileSource} needs from the server. */
export interface FileSourceOptions {
  /** Absolute path of the flags file. */
  file: string;
  /** The text the current flags were loaded from; an unchanged file is not re-applied. */
  loadedText: string;
  logger: Logger;
  /** Report non-fatal findings of a newly read file. */
  warn(issues: readonly FlagsFileIssue[], source: string): void;
  /** Make a validated document live; returns the resulting changes. */
  apply(document: FlagsDocument): FlagStateChange[];
  /** The file turned missing or invalid (`problem` says why), or is good again (`undefined`). */
  problemChanged?(problem: string | undefined): void;
}

/** Reloads a flags file. Invalid files are never applied: the last good flags stay live. */
export class FileSource {
  /** The text the live flags equal; undefined once a toggle or `setFlags` made them differ from any file text. */
  #loadedText: string | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #watch: FileWatch | undefined;
  /** Why the last read failed (missing or invalid file); the next good read clears it and says the file is back. */
  #problem: string | undefined;

  constructor(private readonly options: FileSourceOptions) {
    this.#loadedText = options.loadedText;
  }

  /** Re-read the file now; rejects (changing nothing) when it is missing or invalid. */
  reload(): Promise<FlagStateChange[]> {
    const next = this.#queue.then(() => this.#read());
    this.#queue = next.catch((error: NodeJS.ErrnoException) => {
      this.#setProblem(error.code === 'ENOENT' ? `${this.options.file} is missing` : error.message);
    });
    return next;
  }

  /** The live flags no longer follow the file (a toggle, `setFlags`): the next read applies it even when its text is unchanged. */
  overridden(): void {
    this.#loadedText = undefined;
  }

  /** Why the file is not being served now (missing or invalid; the last good flags are), or `undefined`. */
  get problem(): string | undefined {
    return this.#problem;
  }

  #setProblem(problem: string | undefined): void {
    if (problem === this.#problem) return;
    this.#problem = problem;
    this.options.problemChanged?.(problem);
  }

  /** Reload on every change of the file, logging rejected edits instead of throwing. */
  watch(debounceMs: number): void {
    const { file, logger } = this.options;
    this.#watch = watchFile(
      file,
      debounceMs,
      () => {
        this.reload().catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') logger.warn(`${file} is missing; still serving the last good flags`);
          else logger.error(`${error.message}\nstill serving the last good flags`);
        });
      },
      (error) => logger.error(`stopped watching ${file}: ${error.message}`),
    );
  }

  /** Stop watching. */
  close(): void {
    this.#watch?.close();
  }

  async #read(): Promise<FlagStateChange[]> {
    const { file, logger } = this.options;
    const loaded = await readFlagsFile(file);
    const recovered = this.#problem !== undefined;
    this.#setProblem(undefined);
    if (loaded.text === this.#loadedText) {
      if (recovered) logger.info?.(`${file} is valid again: serving it (no flag changed)`);
      return [];
    }
    this.options.warn(loaded.warnings, file);
    this.#loadedText = loaded.text;
    const changes = this.options.apply(loaded.document);
    logger.info?.(`${recovered ? `${file} is valid again: reloaded` : `reloaded ${file}`}: ${describeChanges(changes)}`);
    return changes;
  }
}

/** "no flag changed", or the count per project/environment: "demo/production 2 flag changes, demo/staging 1 flag change". */
function describeChanges(changes: readonly FlagStateChange[]): string {
  if (changes.length === 0) return 'no flag changed';
  const counts = new Map<string, number>();
  for (const { project, environment } of changes) counts.set(`${project}/${environment}`, (counts.get(`${project}/${environment}`) ?? 0) + 1);
  return [...counts].map(([where, n]) => `${where} ${n} flag change${n === 1 ? '' : 's'}`).join(', ');
}
