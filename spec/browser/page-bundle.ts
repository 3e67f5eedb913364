import { build } from 'esbuild';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Bundles `script` (an ES module) for the browser with esbuild into a new temporary directory, with
 * an `index.html` that loads it as `/page.js`. Returns the directory (remove it when done). Node
 * built-ins stay external: only fileStore's lazy imports name them, and a page never reaches those.
 */
export async function bundlePage(script: string, prefix: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  await build({
    stdin: { contents: script, resolveDir: dir, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    external: ['node:*'],
    outfile: join(dir, 'page.js'),
    logLevel: 'silent',
  });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html><body><script type="module" src="/page.js"></script></body></html>');
  return dir;
}
