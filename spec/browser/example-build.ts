import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

/** A production build of the example: the site's files and the bundler's input list. */
export interface ExampleBuild {
  /** The output directory (remove it when done). */
  dir: string;
  /** The directory to serve. */
  site: string;
  /** The files the bundler read, relative to the example's directory. */
  inputs: string[];
}

/**
 * Builds an Angular example (`examples/<example>`, default `angular`) in production mode with
 * Angular's own builder (`ng build`) into a new temporary directory. The app imports the built
 * package (dist/), so the package is built first when dist/ has no Angular entry yet (CI builds it
 * before the tests).
 */
export async function buildAngularExample(timeoutMs: number, example: 'angular' | 'angular-openfeature' | 'angular-ssr' = 'angular'): Promise<ExampleBuild> {
  const env = { ...process.env, NG_CLI_ANALYTICS: 'false', CI: 'true' };
  if (!existsSync(join(root, 'dist/esm/angular/index.js'))) {
    await run(process.execPath, ['scripts/build.mjs'], { cwd: root, env, timeout: timeoutMs });
  }
  const out = mkdtempSync(join(tmpdir(), `flagstream-${example}-example-`));
  const ng = join(root, 'node_modules/@angular/cli/bin/ng.js');
  await run(process.execPath, [ng, 'build', '--configuration', 'production', '--stats-json', '--output-path', out], {
    cwd: join(root, 'examples', example),
    env,
    timeout: timeoutMs,
  });
  const stats = JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8')) as { inputs: Record<string, unknown> };
  return { dir: out, site: join(out, 'browser'), inputs: Object.keys(stats.inputs) };
}
