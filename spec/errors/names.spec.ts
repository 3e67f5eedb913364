import { build } from 'esbuild';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as errors from '../../lib/errors.js';
import { RedisCommandError } from '../../lib/stores/index.js';

const classes = { ...errors, RedisCommandError } as Record<string, unknown>;
const errorClasses = Object.entries(classes).filter(([, value]) => typeof value === 'function' && (value as { brand?: unknown }).brand !== undefined);

describe('error names', () => {
  it('every error class has a brand of its own (instanceof across package copies keeps the subclass)', () => {
    expect(errorClasses.length).toBeGreaterThanOrEqual(16);
    for (const [name, type] of errorClasses) expect([name, Object.hasOwn(type as object, 'brand')]).toEqual([name, true]);
  });

  it('stay the class names in a minified bundle, where classes are renamed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flagstream-names-'));
    try {
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
      const minified = (await import(pathToFileURL(file).href)) as Record<string, new (...args: never[]) => Error>;
      const made = {
        AuthError: new minified.AuthError!(...([401] as never[])),
        ConfigError: new minified.ConfigError!(...(['field', 'rule'] as never[])),
        ProjectNotFoundError: new minified.ProjectNotFoundError!(),
        StoreError: new minified.StoreError!(...(['save', 'full'] as never[])),
        TimeoutError: new minified.TimeoutError!(...([1000, 'load'] as never[])),
      };
      expect(minified.AuthError!.name).not.toBe('AuthError'); // renamed by the minifier, as in an app bundle
      for (const [name, error] of Object.entries(made)) expect(error.name).toBe(name);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
