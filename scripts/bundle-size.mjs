// Browser bundle sizes of the built package (dist/esm), min + brotli: what an app bundler ships.
// esbuild bundles for the browser platform, so the package.json `browser` field applies (no
// cross-fetch, no node:fs) and a Node built-in anywhere in the graph fails the build. Code splitting
// is on, as in the bundlers apps use (Angular's, Vite, webpack): a size is what a page loads up front
// (the entry and the chunks it imports statically, each compressed as served); chunks behind a
// dynamic import (the store sync) load only when used. Used by the size gate (scripts/size.mjs),
// the benchmarks and the packaging specs.
import { build } from 'esbuild';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';

const root = resolve(import.meta.dirname, '..');
const dist = resolve(root, 'dist/esm');

/** Packages that must never be in a browser bundle of flagstream. */
const forbidden = [/node_modules\/cross-fetch\//];

const brotli = (bytes) => brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length / 1024;

/**
 * Bundles `contents` (an ES module importing packages found from `resolveDir`) for the browser,
 * minified, with `external` left out. Returns the brotli size in KiB of what loads up front (`kib`)
 * and its input files (`inputs`), and the same for the chunks behind dynamic imports (`lazyKib`, `lazyInputs`).
 */
export async function browserBundle(contents, external, resolveDir = root) {
  const result = await build({
    stdin: { contents, resolveDir, loader: 'js', sourcefile: 'entry.js' },
    bundle: true,
    minify: true,
    splitting: true,
    outdir: 'out',
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    external,
    logLevel: 'silent',
  });
  const outputs = result.metafile.outputs;
  const entry = Object.keys(outputs).find((name) => outputs[name].entryPoint !== undefined);
  const eager = new Set();
  const visit = (name) => {
    if (eager.has(name)) return;
    eager.add(name);
    for (const imported of outputs[name].imports) if (imported.kind === 'import-statement' && outputs[imported.path]) visit(imported.path);
  };
  visit(entry);
  const files = new Map(result.outputFiles.map((file) => [file.path, file.contents]));
  const measure = (names) => ({
    kib: names.reduce((sum, name) => sum + brotli(files.get(resolve(name))), 0),
    inputs: [...new Set(names.flatMap((name) => Object.keys(outputs[name].inputs)))],
  });
  const up = measure([...eager]);
  const lazy = measure(Object.keys(outputs).filter((name) => name.endsWith('.js') && !eager.has(name)));
  const bad = [...up.inputs, ...lazy.inputs].filter((input) => forbidden.some((pattern) => pattern.test(input)));
  if (bad.length > 0) throw new Error(`the browser bundle includes ${bad.join(', ')}`);
  return { kib: up.kib, inputs: up.inputs, lazyKib: lazy.kib, lazyInputs: lazy.inputs };
}

/** What the gate measures: each bundle's exports and the packages left external. */
const bundles = {
  app: [`export { createFlagClient, cuttlegate } from 'flagstream';`, ['rxjs']],
  // An app that does not use RxJS yet ships the operators flagstream uses too.
  appRxjs: [`export { createFlagClient, cuttlegate } from 'flagstream';`, []],
  api: [`export * from 'flagstream';`, ['rxjs']],
  // By its file: an external 'flagstream' would take its sub-paths out too.
  angular: [`export * from 'ANGULAR';`, ['rxjs', 'flagstream', '@angular/*']],
  openfeature: [`export * from 'flagstream/openfeature';`, ['rxjs', '@openfeature/*']],
  stores: [`export * from 'flagstream/stores';`, ['rxjs']],
  testing: [`export * from 'flagstream/testing';`, ['rxjs']],
};

/**
 * The sizes the gate keeps (KiB, min + brotli, loaded up front): `app` (createFlagClient +
 * cuttlegate with flagstream's own dependencies, rxjs external; `appRxjs` the same with rxjs), `api` (the whole public API, same
 * externals) and each sub-path entry alone (`angular`: the core external, as the entry imports it
 * from 'flagstream'; `openfeature`, `stores`, `testing`: with the core modules they use). `dir` is
 * a built package (default: this checkout), imported by name as an app does (its `exports` apply).
 */
export async function measureSizes(dir = root) {
  if (!existsSync(resolve(dir, 'dist/esm/index.js')) || !existsSync(resolve(dir, 'dist/esm/angular/index.js'))) {
    throw new Error('dist/esm is missing: run `npm run build` first');
  }
  const app = mkdtempSync(join(tmpdir(), 'flagstream-size-'));
  try {
    mkdirSync(join(app, 'node_modules'));
    symlinkSync(resolve(dir), join(app, 'node_modules', 'flagstream'), 'dir');
    const sizes = {};
    const angular = JSON.stringify(resolve(dir, 'dist/esm/angular/index.js')).slice(1, -1);
    for (const [name, [contents, external]] of Object.entries(bundles)) {
      sizes[name] = (await browserBundle(contents.replace('ANGULAR', angular), external, app)).kib;
    }
    return sizes;
  } finally {
    rmSync(app, { recursive: true, force: true });
  }
}
