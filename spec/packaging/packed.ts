/**
 * Test helper: builds the package from a copy of the sources and `npm pack`s it into a temp
 * directory, then unpacks the tarball into an app's `node_modules` as `npm install` would place
 * it (the app's other dependencies link to this checkout's `node_modules`, so nothing is
 * downloaded). The working tree's own `dist/` is never touched.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rename, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = new URL('../..', import.meta.url).pathname;
const SOURCES = ['lib', 'scripts', 'schema', 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'typedoc.json', 'README.md', 'LICENSE', 'CHANGELOG.md'];

/** A packed and unpacked build. */
export interface Packed {
  /** Root of everything; `remove()` deletes it. */
  root: string;
  /** The `.tgz` that `npm pack` wrote. */
  tarball: string;
  /** Paths inside the tarball (without the leading `package/`). */
  files: string[];
  /** An app directory whose `node_modules/flagstream` is the unpacked tarball. */
  app: string;
  /** `node_modules/flagstream` inside `app`. */
  installed: string;
  remove(): Promise<void>;
}

/** Build, pack and unpack (takes a few seconds: esbuild plus the declaration build). */
export async function packBuild(): Promise<Packed> {
  const root = await mkdtemp(join(tmpdir(), 'flagstream-pack-'));
  const source = join(root, 'source');
  await mkdir(source);
  for (const entry of SOURCES) await cp(join(REPO, entry), join(source, entry), { recursive: true });
  await symlink(join(REPO, 'node_modules'), join(source, 'node_modules'), 'dir');
  await run(process.execPath, ['scripts/build.mjs'], { cwd: source });
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', root], { cwd: source });
  const [info] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
  const tarball = join(root, info.filename);

  const app = join(root, 'app');
  const modules = join(app, 'node_modules');
  await mkdir(modules, { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', modules]);
  const installed = join(modules, 'flagstream');
  await rename(join(modules, 'package'), installed);
  for (const name of await readdir(join(REPO, 'node_modules'))) {
    if (name === '.bin' || name.startsWith('.')) continue;
    await symlink(join(REPO, 'node_modules', name), join(modules, name), 'dir');
  }
  return {
    root,
    tarball,
    files: info.files.map((file) => file.path),
    app,
    installed,
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
