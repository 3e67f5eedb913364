import { defineConfig } from 'tsup';

/** Library build: ESM + CJS + declarations, one entry per public sub-path; the CLI as ESM only. */
export default defineConfig([
  {
    entry: {
      index: 'lib/index.ts',
      testing: 'lib/testing/index.ts',
      server: 'lib/server/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    external: ['rxjs'],
  },
  {
    entry: { cli: 'lib/cli/main.ts' },
    format: ['esm'],
    banner: { js: '#!/usr/bin/env node' },
    sourcemap: true,
    target: 'node20',
    external: ['rxjs'],
  },
]);
