import type { Provider as ServerProvider } from '@openfeature/server-sdk';
import type { Provider as WebProvider } from '@openfeature/web-sdk';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { FlagstreamServerProvider, FlagstreamWebProvider } from '../../lib/openfeature/index.js';
import { createMockClient } from '../../lib/testing/index.js';

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

  it('the providers satisfy the Provider interface of each SDK, though the library imports neither', () => {
    // The assignments are the check (tsc); the library itself types against @openfeature/core only.
    const web: WebProvider = new FlagstreamWebProvider(createMockClient());
    const server: ServerProvider = new FlagstreamServerProvider(createMockClient());
    expect([web.runsOn, server.runsOn]).toEqual(['client', 'server']);
  });
});
