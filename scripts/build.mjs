// Builds dist/: ES modules in dist/esm and CommonJS in dist/cjs, one output file per source file
// (no bundling, so every entry point shares one copy of each class and `instanceof` holds across
// sub-paths), with declarations beside each. The CLI is ESM only. The Angular entry (lib/angular) is
// compiled by Angular's compiler in partial mode (ESM only) so AOT apps can link its directive.
// Internal member names are shortened (esbuild's mangleProps): only names scripts/internal-names.mjs
// derives as carried by nothing but internal members, with one mangle cache for the ESM and the CJS
// build so both copies, and every sub-path, agree on the short names; declarations keep the full names.
//   node scripts/build.mjs [--verbose]   (verbose: which names were shortened, which kept and why)
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { internalNames } from './internal-names.mjs';

const sources = (dir) =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name));

rmSync('dist', { recursive: true, force: true });
const angular = join('lib', 'angular') + '/';
const entryPoints = sources('lib').filter((file) => !file.startsWith(angular));
const { mangled, refused } = internalNames();
if (process.argv.includes('--verbose')) {
  console.log(`shortened: ${mangled.join(', ')}`);
  for (const [name, reason] of [...refused].sort()) console.log(`kept ${name}: ${reason}`);
}
const mangleProps = new RegExp(`^(${mangled.map((name) => name.replace(/\$/g, '\\$')).join('|')})$`);
const common = { entryPoints, outbase: 'lib', bundle: false, sourcemap: true, target: 'node20', logLevel: 'warning', mangleProps };
const { mangleCache } = await build({ ...common, outdir: 'dist/esm', format: 'esm', mangleCache: {} });
// The CJS build for Node's platform: each file ends by naming its exports for Node's ESM loader, so an
// `import()` of a CJS file (a chunk loaded on demand: snapshotFor's cache, the store sync) sees them, not only `default`.
const cjs = await build({ ...common, entryPoints: entryPoints.filter((file) => !file.startsWith(join('lib', 'cli') + '/')), outdir: 'dist/cjs', format: 'cjs', platform: 'node', mangleCache });
// The CJS build only reuses the ESM build's names (its modules are a subset of the ESM build's).
if (JSON.stringify(cjs.mangleCache) !== JSON.stringify(mangleCache)) throw new Error('the CJS build shortened a name differently from the ESM build');
// Browser bundlers swap the default fetch for the global one (no cross-fetch), the body reader for the
// web-stream one (no Node streams), the fetch failure's description for one without system error
// codes, and fileStore, redisStore and redisFleet for ones that fail at once (a page has no file system and
// cannot reach Redis), as the root package.json says for dist/esm.
const browser = {
  './client/default-fetch.js': './client/default-fetch.browser.js',
  './net/body.js': './net/body.browser.js',
  './net/fetch-failure.js': './net/fetch-failure.browser.js',
  './stores/file.js': './stores/file.browser.js',
  './stores/redis.js': './stores/redis.browser.js',
  './stores/redis-fleet.js': './stores/redis-fleet.browser.js',
};
writeFileSync('dist/cjs/package.json', `${JSON.stringify({ type: 'commonjs', browser }, null, 2)}\n`);

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
cpSync('dist/esm', 'dist/cjs', { recursive: true, filter: (path) => !path.endsWith('.js') && !path.endsWith('.map') && !path.includes(join('esm', 'cli') + '/') && !path.endsWith(join('esm', 'cli')) });

// After the core's declarations: the Angular entry type-checks against them ('flagstream' → dist).
execFileSync(process.execPath, ['node_modules/@angular/compiler-cli/bundles/src/bin/ngc.js', '-p', 'scripts/tsconfig.angular.json'], { stdio: 'inherit' });

const cli = 'dist/esm/cli/main.js';
writeFileSync(cli, `#!/usr/bin/env node\n${readFileSync(cli, 'utf8')}`);
chmodSync(cli, 0o755);
console.log(`built ${entryPoints.length} modules into dist/esm and dist/cjs (${mangled.length} internal member names shortened), and the Angular entry into dist/esm/angular`);
