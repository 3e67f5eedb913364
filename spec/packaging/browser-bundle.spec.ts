import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserBundle } from '../../scripts/bundle-size.mjs';
import { packBuild, type Packed } from './packed.js';

const run = promisify(execFile);

/** The optional features' modules: each comes with the option value (or transport) that uses it. */
const OPTIONAL_FEATURES = [
  'client/features/persistence.js',
  'client/features/fleet-link.js',
  'client/features/fleet-heard.js',
  'client/features/fleet-host.js',
  'client/features/client-tracking.js',
  'client/features/tracking.js',
  'client/features/periodic-sender.js',
  'client/features/tracked-event.js',
  'stores/',
];

/**
 * The chunks loaded on first use: the store sync (apps with a store), the `values()` iteration and the
 * `snapshotFor` cache (with the context keys, which only they use).
 */
const LAZY = [
  'client/features/persistence.js',
  'client/state/values-iterator.js',
  'client/state/latest-values.js',
  'client/engine/snapshot-cache.js',
  'client/context-key.js',
];

/** The entries a browser app may import (`flagstream/server` and the CLI are Node-only by design). */
const BROWSER_ENTRIES = ['flagstream', 'flagstream/stores', 'flagstream/openfeature', 'flagstream/angular', 'flagstream/testing'];

let packed: Packed;

beforeAll(async () => {
  packed = await packBuild();
}, 180_000);

afterAll(async () => {
  await packed?.remove();
});

/**
 * Bundles `entry` of the installed package as an app bundler does for a browser (platform
 * `browser`: the `browser` field and export conditions apply). Node built-ins are left external so
 * the metafile can name every module that imports one, rather than the build stopping at the first.
 */
async function nodeImports(entry: string): Promise<string[]> {
  const result = await build({
    stdin: { contents: `export * from '${entry}';`, resolveDir: packed.app, loader: 'js', sourcefile: 'app.js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
    // Peers the app brings itself; everything of flagstream's own is bundled.
    external: ['rxjs', '@angular/*', '@openfeature/*', 'node:*'],
    logLevel: 'silent',
  });
  return Object.entries(result.metafile.inputs).flatMap(([file, input]) =>
    input.imports.filter((imported) => imported.path.startsWith('node:')).map((imported) => `${file.replace(/^.*node_modules\//, '')} → ${imported.path}`),
  );
}

describe('browser bundles of the packed package', () => {
  it.each(BROWSER_ENTRIES)('%s reaches no Node built-in', async (entry) => {
    expect(await nodeImports(entry)).toEqual([]);
  });

  it.each([
    ['fileStore', `fileStore('flags.json')`, 'webStorageStore'],
    ['redisStore', `redisStore({})`, 'webStorageStore'],
    ['redisFleet', `redisFleet({})`, 'tabFleet'],
  ])('gives a browser %s that fails with a ConfigError naming what a page can use instead', async (name, call, instead) => {
    const app = join(packed.app, `browser-${name}.mjs`);
    const result = await build({
      stdin: {
        contents: `import { ${name} } from 'flagstream/stores';\ntry { ${call}; } catch (error) { console.log(JSON.stringify({ name: error.name, message: error.message })); }`,
        resolveDir: packed.app,
        loader: 'js',
        sourcefile: 'app.js',
      },
      bundle: true,
      format: 'esm',
      platform: 'browser',
      external: ['rxjs'],
      outfile: app,
      metafile: true,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    // The Node pieces stay out: no Redis connection code, no coordinator, no file access.
    expect(Object.keys(result.metafile.inputs).filter((input) => /stores\/(file|redis|redis-fleet)\.js$|redis-coordinator/.test(input))).toEqual([]);
    const { stdout } = await run(process.execPath, [app], { cwd: packed.app });
    const error = JSON.parse(stdout) as { name: string; message: string };
    expect(error.name).toBe('ConfigError');
    expect(error.message).toContain(name);
    expect(error.message).toContain(instead);
  });

  it('keeps the real fileStore for Node', async () => {
    const probe = join(packed.app, 'node-file-store.mjs');
    await writeFile(
      probe,
      `import { fileStore } from 'flagstream/stores';
import { readFile } from 'node:fs/promises';
const record = { version: 1, scope: 's', savedAt: new Date(0).toISOString(), flags: [] };
await fileStore('node-flags.json').save(record);
console.log(JSON.parse(await readFile('node-flags.json', 'utf8')).records.length);
`,
    );
    const { stdout } = await run(process.execPath, [probe], { cwd: packed.app });
    expect(stdout.trim()).toBe('1');
  });

  it('a Cuttlegate-only app loads none of the optional features; the store sync and the values() iteration are split off', async () => {
    const app = await browserBundle(`export { createFlagClient, cuttlegate } from 'flagstream';`, ['rxjs'], packed.app);
    const modules = app.inputs.map((input) => input.replace(/^.*flagstream\/dist\/esm\//, ''));
    expect(modules).toContain('client/client.js');
    expect(modules.filter((module) => [...OPTIONAL_FEATURES, ...LAZY].some((feature) => module.startsWith(feature)))).toEqual([]);
    expect(app.lazyInputs.map((input) => input.replace(/^.*flagstream\/dist\/esm\//, '')).sort()).toEqual([...LAZY].sort());
  });

  it('reads response bodies as web streams only, and fetch failures without system error codes: the Node paths stay out of a browser bundle', async () => {
    const app = await browserBundle(`export { createFlagClient, cuttlegate } from 'flagstream';`, ['rxjs'], packed.app);
    const modules = app.inputs.map((input) => input.replace(/^.*flagstream\/dist\/esm\//, ''));
    expect(modules).toContain('net/body.browser.js');
    expect(modules).not.toContain('net/body.js');
    expect(modules).toContain('net/fetch-failure.browser.js');
    expect(modules).not.toContain('net/fetch-failure.js');
  });
});
