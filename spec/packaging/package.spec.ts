import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, spawnNode } from '../cli/cli-process.js';
import { schemaViolations } from '../support/json-schema.js';
import { packBuild, type Packed } from './packed.js';
import { PRELUDE, snippets } from '../docs/snippets.js';

const run = promisify(execFile);
const TSC = new URL('../../node_modules/typescript/bin/tsc', import.meta.url).pathname;


let packed: Packed;
let cli: string;

beforeAll(async () => {
  packed = await packBuild();
  cli = join(packed.installed, 'dist/esm/cli/main.js');
}, 180_000);

afterAll(async () => {
  await killAll();
  await packed?.remove();
});

/** Runs the packed CLI in `cwd` to completion. */
async function flagstream(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnNode([cli, ...args], {}, cwd);
  const code = await child.exited;
  return { code, stdout: child.stdout(), stderr: child.stderr() };
}

describe('the packed package', () => {
  it('ships the build, the sources its maps name, the schema, README, LICENSE and CHANGELOG, and no specs or scripts', () => {
    for (const file of ['LICENSE', 'CHANGELOG.md', 'README.md', 'package.json', 'schema/flags.schema.json', 'dist/esm/cli/main.js', 'dist/cjs/index.js', 'dist/cjs/testing/index.d.ts', 'lib/index.ts']) {
      expect(packed.files).toContain(file);
    }
    expect(packed.files.filter((file) => /^(spec|scripts)\//.test(file))).toEqual([]);
  });

  it('has source maps whose every source is a file in the package (go-to-definition lands on real code)', async () => {
    const maps = packed.files.filter((file) => file.endsWith('.map'));
    expect(maps.filter((file) => file.endsWith('.d.ts.map')).length).toBeGreaterThan(50);
    expect(maps.filter((file) => file.endsWith('.js.map')).length).toBeGreaterThan(50);
    const unresolved: string[] = [];
    for (const map of maps) {
      const { sources } = JSON.parse(await readFile(join(packed.installed, map), 'utf8')) as { sources: string[] };
      for (const source of sources) {
        const target = relative(packed.installed, resolve(packed.installed, dirname(map), source));
        if (!packed.files.includes(target)) unresolved.push(`${map} → ${source}`);
      }
    }
    expect(unresolved).toEqual([]);
  });

  it('passes "are the types wrong" for every entry (the Angular entry is ESM only, as Angular is)', async () => {
    const result = await checkPackage(createPackageFromTarballData(await readFile(packed.tarball)));
    const problems = 'problems' in result ? result.problems : [{ kind: 'no types', entrypoint: '.' }];
    expect(problems.filter((problem) => !(problem.kind === 'CJSResolvesToESM' && 'entrypoint' in problem && problem.entrypoint === './angular'))).toEqual([]);
  }, 60_000);

  it('answers --version from its package.json', async () => {
    const { version } = JSON.parse(await readFile(join(packed.installed, 'package.json'), 'utf8')) as { version: string };
    expect(await flagstream(['--version'], packed.app)).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('init writes a file the shipped schema accepts, and serve answers a bulk evaluation for it', async () => {
    const dir = await mkdtemp(join(packed.app, 'init-'));
    expect((await flagstream(['init'], dir)).code).toBe(0);
    const doc = JSON.parse(await readFile(join(dir, 'flags.json'), 'utf8')) as {
      $schema: string;
      projects: { slug: string; environments: { slug: string; apiKeys: string[] }[]; flags: { key: string }[] }[];
    };
    const schema = JSON.parse(await readFile(join(packed.installed, 'schema/flags.schema.json'), 'utf8')) as Record<string, unknown>;
    expect(schemaViolations(schema, doc)).toEqual([]);
    expect(doc.$schema).toBe('../node_modules/flagstream/schema/flags.schema.json');
    expect(JSON.parse(await readFile(join(dir, doc.$schema), 'utf8'))).toEqual(schema);

    const server = spawnNode([cli, 'serve', '--port', '0'], {}, dir);
    const out = await server.waitForStdout('Press Ctrl+C to stop.');
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out)![1]!;
    const [project] = doc.projects;
    const env = project!.environments[0]!;
    const res = await fetch(`${url}/api/v1/projects/${project!.slug}/environments/${env.slug}/evaluate`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${env.apiKeys[0]}` },
      body: JSON.stringify({ context: { user_id: 'alice' } }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { flags: { key: string }[] };
    expect(body.flags.map((flag) => flag.key)).toEqual(project!.flags.map((flag) => flag.key));
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('serve without a flags file says so and suggests init', async () => {
    const dir = await mkdtemp(join(packed.app, 'empty-'));
    const { code, stderr } = await flagstream(['serve'], dir);
    expect(code).toBe(2);
    expect(stderr).toContain(`no flags file given and no flags.json in ${dir}.`);
    expect(stderr).toContain('"flagstream init"');
  });

  it('keeps instanceof across its ES module and CommonJS copies of the errors', async () => {
    const probe = join(packed.app, 'probe.mjs');
    await writeFile(
      probe,
      `import { createRequire } from 'node:module';
const esm = await import('flagstream');
const cjs = createRequire(import.meta.url)('flagstream');
const fromEsm = new esm.ConfigError('pollIntervalMs', 'bad');
const fromCjs = new cjs.AuthError(401);
console.log(JSON.stringify({
  twoCopies: esm.ConfigError !== cjs.ConfigError,
  esmInCjs: fromEsm instanceof cjs.ConfigError,
  esmInCjsBase: fromEsm instanceof cjs.FlagstreamError,
  cjsInEsm: fromCjs instanceof esm.AuthError,
  cjsInEsmBase: fromCjs instanceof esm.FlagstreamError,
  wrongClass: fromEsm instanceof cjs.AuthError || fromCjs instanceof esm.ConfigError,
  plainError: new Error('x') instanceof cjs.FlagstreamError,
  lookalike: { message: 'x', name: 'ConfigError' } instanceof esm.ConfigError,
}));
`,
    );
    const { stdout } = await run(process.execPath, [probe], { cwd: packed.app });
    expect(JSON.parse(stdout)).toEqual({
      twoCopies: true,
      esmInCjs: true,
      esmInCjsBase: true,
      cjsInEsm: true,
      cjsInEsmBase: true,
      wrongClass: false,
      plainError: false,
      lookalike: false,
    });
  });

  it('resolves the types of flagstream/testing and flagstream/server under moduleResolution node10', async () => {
    await writeFile(
      join(packed.app, 'fixture.ts'),
      `import { ConfigError, createFlagClient } from 'flagstream';
import { createMockClient, testSource } from 'flagstream/testing';
import { startServer, type FlagServer } from 'flagstream/server';
const mock = createMockClient({ flags: { 'dark-mode': true } });
export const on: boolean = mock.bool('dark-mode');
export const client = createFlagClient({ transport: testSource({}) });
export const start: (options?: { port?: number }) => Promise<FlagServer> = startServer;
export const error: ConfigError = new ConfigError('field', 'message');
`,
    );
    const compilerOptions = { module: 'commonjs', moduleResolution: 'node10', target: 'ES2022', lib: ['ES2022', 'DOM'], types: ['node'], strict: true, skipLibCheck: true, noEmit: true };
    const tsconfig = { compilerOptions, files: ['fixture.ts'] };
    await writeFile(join(packed.app, 'tsconfig.json'), JSON.stringify(tsconfig));
    await expect(run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: packed.app })).resolves.toBeDefined();

    // Without typesVersions, node10 resolution cannot see the sub-paths: the check above is what it adds.
    const manifest = join(packed.installed, 'package.json');
    const original = await readFile(manifest, 'utf8');
    const { typesVersions: _, ...withoutTypesVersions } = JSON.parse(original) as Record<string, unknown>;
    await writeFile(manifest, JSON.stringify(withoutTypesVersions));
    try {
      const failed = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: packed.app }).then(
        () => '',
        (error: { stdout: string }) => error.stdout,
      );
      expect(failed).toContain("Cannot find module 'flagstream/testing'");
      expect(failed).toContain("Cannot find module 'flagstream/server'");
    } finally {
      await writeFile(manifest, original);
    }
  }, 120_000);

  it('type-checks every TypeScript block of the README and the guides against the package as installed', async () => {
    const dir = await mkdtemp(join(packed.app, 'snippets-'));
    const blocks = snippets();
    expect(blocks.length).toBeGreaterThan(10);
    await writeFile(join(dir, 'prelude.d.ts'), PRELUDE);
    for (const block of blocks) await writeFile(join(dir, block.file), block.code);
    const compilerOptions = {
      target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2022', 'DOM', 'DOM.Iterable'], types: ['node'],
      strict: true, noEmit: true, skipLibCheck: true, experimentalDecorators: true,
    };
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.ts'] }));
    const result = await run(process.execPath, [TSC, '-p', '.'], { cwd: dir }).then(() => '', (error: { stdout: string }) => error.stdout);
    // Name each error by its document and line, not the temp file.
    const fences = new Map(blocks.map((block) => [block.file, block.where]));
    const errors = result.replace(/^(\S+\.ts)\((\d+),\d+\)/gm, (text, file: string, line: string) => {
      const [doc, fence] = fences.get(file)?.split(':') ?? [];
      return doc === undefined ? text : `${doc}:${Number(fence) + Number(line)}`;
    });
    expect(errors).toBe('');
  }, 120_000);
});
