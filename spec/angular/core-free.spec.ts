import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/** The module graph of `entry` with every package left external (tsconfig paths ignored, as in a build). */
function graph(entry: string) {
  return build({ entryPoints: [entry], bundle: true, write: false, metafile: true, packages: 'external', platform: 'neutral', tsconfigRaw: '{}', logLevel: 'silent' });
}

/** The packages a module graph imports. */
async function importedPackages(entry: string): Promise<string[]> {
  const result = await graph(entry);
  const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports);
  return [...new Set(imports.filter((entry) => entry.external).map((entry) => entry.path))].sort();
}

describe('entry points', () => {
  it('the core never imports Angular', async () => {
    const packages = await importedPackages('lib/index.ts');
    expect(packages.length).toBeGreaterThan(0);
    expect(packages.filter((name) => name.startsWith('@angular/'))).toEqual([]);
  });

  it('the Angular entry imports the core only through the bare "flagstream" specifier', async () => {
    const result = await graph('lib/angular/index.ts');
    const files = Object.keys(result.metafile.inputs);
    expect(files.every((file) => file.startsWith('lib/angular/'))).toBe(true);
    expect(await importedPackages('lib/angular/index.ts')).toEqual(['@angular/core', '@angular/core/rxjs-interop', 'flagstream']);
  });
});
