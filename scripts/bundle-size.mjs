// Browser bundle sizes of the built package (dist/esm), min + brotli: what an app bundler ships.
// esbuild bundles for the browser platform, so the package.json `browser` field applies (no
// cross-fetch) and a Node built-in anywhere in the graph fails the build. Used by the size gate
// (scripts/size.mjs) and by the benchmarks.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { brotliCompressSync } from 'node:zlib';

const root = resolve(import.meta.dirname, '..');
const dist = resolve(root, 'dist/esm');

/** Packages that must never be in a browser bundle of flagstream. */
const forbidden = [/node_modules\/cross-fetch\//];

/**
 * Bundles `contents` (an ES module importing from `dist/esm`) for the browser, minified, with
 * `external` left out; returns its brotli size in KiB and the bundled input files.
 */
export async function browserBundle(contents, external) {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: 'js', sourcefile: 'entry.js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    external,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  const bad = inputs.filter((input) => forbidden.some((pattern) => pattern.test(input)));
  if (bad.length > 0) throw new Error(`the browser bundle includes ${bad.join(', ')}`);
  return { kib: brotliCompressSync(result.outputFiles[0].contents).length / 1024, inputs };
}

/**
 * The sizes the gate keeps: `app` (createFlagClient + cuttlegate with flagstream's own
 * dependencies, rxjs external), `api` (the whole public API, same externals) and `angular` (the
 * `flagstream/angular` entry alone: the core, rxjs and Angular external).
 */
export async function measureSizes() {
  const angularEntry = resolve(dist, 'angular/index.js');
  if (!existsSync(resolve(dist, 'index.js')) || !existsSync(angularEntry)) {
    throw new Error('dist/esm is missing: run `npm run build` first');
  }
  const core = JSON.stringify(resolve(dist, 'index.js'));
  const app = await browserBundle(`export { createFlagClient, cuttlegate } from ${core};`, ['rxjs']);
  const api = await browserBundle(`export * from ${core};`, ['rxjs']);
  const angular = await browserBundle(`export * from ${JSON.stringify(angularEntry)};`, ['rxjs', 'flagstream', '@angular/*']);
  return { app: app.kib, api: api.kib, angular: angular.kib };
}
