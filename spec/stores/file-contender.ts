/**
 * Run by the file-store specs as its own process, one of several writers of one file (argv: path,
 * mode, name, count). Prints `ready`, waits until the file `<path>.go` exists (so every writer starts
 * at once), then saves `count` records as fast as it can and prints `saved <savedAt>` after each:
 * - `scopes`: records of its own scopes `<name>-0`, `<name>-1`, …;
 * - `shared`: records of the one scope `shared`, each stamped with the time of its save.
 * Ends with `done`.
 */
import { existsSync } from 'node:fs';
import { fileStore } from '../../lib/stores/index.js';
import { flag, record } from './records.js';

const [path, mode, name, count] = process.argv.slice(2) as [string, 'scopes' | 'shared', string, string];
const store = fileStore(path, { maxScopes: 1_000 });
console.log('ready');
while (!existsSync(`${path}.go`)) await new Promise((resolve) => setTimeout(resolve, 5));
for (let i = 0; i < Number(count); i++) {
  const savedAt = new Date().toISOString();
  await store.save(mode === 'shared' ? record('shared', [flag('writer', `${name}-${i}`)], savedAt) : record(`${name}-${i}`, undefined, savedAt));
  console.log(`saved ${savedAt}`);
}
console.log('done');
