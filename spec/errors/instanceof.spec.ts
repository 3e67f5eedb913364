import { build } from 'esbuild';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as here from '../../lib/errors.js';

type Errors = typeof here;

/** A second, minified copy of the errors module, as a second installed copy of the package would be. */
async function otherCopy(dir: string): Promise<Errors> {
  const result = await build({
    entryPoints: [new URL('../../lib/errors.ts', import.meta.url).pathname],
    bundle: true,
    minify: true,
    format: 'esm',
    write: false,
    logLevel: 'silent',
  });
  const file = join(dir, 'errors.mjs');
  await writeFile(file, result.outputFiles[0]!.text);
  return (await import(pathToFileURL(file).href)) as Errors;
}

describe('instanceof across copies of the package', () => {
  it('holds for the class and its bases, never for another class, a lookalike or a subclass outside the package', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flagstream-copies-'));
    try {
      const other = await otherCopy(dir);
      const fromOther = new other.ProjectNotFoundError();
      class AppAuthError extends here.AuthError {}
      expect({
        sameClass: fromOther instanceof here.ProjectNotFoundError,
        base: fromOther instanceof here.RequestError,
        root: fromOther instanceof here.FlagstreamError,
        otherClass: fromOther instanceof here.AuthError,
        back: new here.AuthError(401) instanceof other.AuthError,
        appSubclassInBase: new AppAuthError(401) instanceof other.AuthError,
        baseInAppSubclass: new other.AuthError(401) instanceof AppAuthError,
        lookalike: { name: 'AuthError', message: 'x' } instanceof other.AuthError,
        plainError: new Error('x') instanceof other.FlagstreamError,
        primitive: (1 as unknown) instanceof other.FlagstreamError,
        terminal: here.isTerminal(fromOther),
        name: fromOther.name,
      }).toEqual({
        sameClass: true,
        base: true,
        root: true,
        otherClass: false,
        back: true,
        appSubclassInBase: true,
        baseInAppSubclass: false,
        lookalike: false,
        plainError: false,
        primitive: false,
        terminal: true,
        name: 'ProjectNotFoundError',
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
