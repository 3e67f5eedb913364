import type { FlagStore } from '../client/options.js';
import { ConfigError } from '../errors.js';

/**
 * `fileStore` in a browser build (bundlers swap it in for `file.ts`, as the package.json `browser`
 * field says): a page has no file system, so it fails at once, naming the stores a page can use.
 */
export function fileStore(_path?: string, _options?: unknown): FlagStore {
  throw new ConfigError('fileStore', 'needs Node; in a browser use webStorageStore or memoryStore');
}
