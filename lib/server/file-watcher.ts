/** Watches one file through its directory, so editors that replace the file by renaming still trigger. */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/** A running watch; `close()` stops it and any pending debounce. */
export interface FileWatch {
  close(): void;
}

/**
 * Call `onChange` once per burst of changes to `file` (debounced by `debounceMs`).
 * Watcher errors go to `onError`; the watch then stops.
 */
export function watchFile(
  file: string,
  debounceMs: number,
  onChange: () => void,
  onError: (error: Error) => void,
): FileWatch {
  const name = basename(file);
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined = watch(dirname(file), { persistent: false }, (_event, changed) => {
    if (changed !== null && changed !== name) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  });
  watcher.on('error', (error) => {
    close();
    onError(error);
  });
  function close(): void {
    clearTimeout(timer);
    watcher?.close();
    watcher = undefined;
  }
  return { close };
}
