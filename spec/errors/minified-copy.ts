import { build } from 'esbuild';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as errors from '../../lib/errors.js';

/**
 * Runs `use` with a second copy of the errors module, bundled and minified as in an app (classes
 * renamed), as a second installed copy of the package would be; the copy is deleted afterwards.
 */
export async function withMinifiedCopy(use: (copy: typeof errors) => void | Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'flagstream-errors-'));
  try {
    const result = await build({
      entryPoints: [new URL('../../lib/errors.ts', import.meta.url).pathname],
      bundle: true,
      minify: true,
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    const file = join(dir, 'errors.mjs');
    await writeFile(file, result.outputFiles[0]!.text);
    await use((await import(pathToFileURL(file).href)) as typeof errors);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
