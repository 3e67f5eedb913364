import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/** The packages an entry loads at runtime (type-only imports are erased), from esbuild's import graph. */
async function packagesLoadedBy(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'neutral',
    packages: 'external',
    logLevel: 'silent',
  });
  const packages = new Set<string>();
  for (const input of Object.values(result.metafile.inputs)) {
    for (const imported of input.imports) if (imported.external) packages.add(imported.path);
  }
  return [...packages].sort();
}

describe('the openfeature sub-path keeps OpenFeature optional', () => {
  it('the main entry loads no OpenFeature package', async () => {
    expect((await packagesLoadedBy('lib/index.ts')).filter((name) => name.startsWith('@openfeature/'))).toEqual([]);
  });

  it('the openfeature entry loads only @openfeature/core, never either SDK', async () => {
    expect((await packagesLoadedBy('lib/openfeature/index.ts')).filter((name) => name.startsWith('@openfeature/'))).toEqual(['@openfeature/core']);
  });
});
