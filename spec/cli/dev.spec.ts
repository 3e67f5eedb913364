import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { killAll, spawnNode, startCli, type Cli } from './cli-process.js';
import { PROD_KEY } from '../server/fixtures.js';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flagstream-dev-'));
  file = join(dir, 'flags.json');
  await copyFile('examples/flags.json', file);
});

afterEach(async () => {
  await killAll();
  await rm(dir, { recursive: true, force: true });
});

/** Rewrite the flags file with `edit` applied to the parsed `source` (default: the file itself). */
async function editFlags(
  edit: (doc: { projects: { flags: { key: string; environments: Record<string, { enabled: boolean }> }[] }[] }) => void,
  source = file,
): Promise<void> {
  const doc = JSON.parse(await readFile(source, 'utf8'));
  edit(doc);
  await writeFile(file, JSON.stringify(doc, null, 2));
}

const flag = (doc: Parameters<Parameters<typeof editFlags>[0]>[0], key: string) => doc.projects[0]!.flags.find((f) => f.key === key)!;

/** Waits for the summary, the initial listing and a connected stream. */
async function started(cli: Cli): Promise<string> {
  await cli.waitForStdout(/ status: ready \(streaming\)$/);
  return cli.stdout();
}

describe('flagstream dev', () => {
  it('serves the file, watches it, prints a line per edit within a second, and exits 0 on SIGINT', async () => {
    const cli = startCli(['dev', file, '--port', '0', '--user-id', 'alice']);
    const out = await started(cli);
    const url = /^flagstream dev: listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)?.[1];
    expect(url).toBeDefined();
    expect(out).toContain(`watching demo/production for user "alice" with API key ${PROD_KEY}`);
    expect(out).toContain(`Edit ${file} to see changes here. Press Ctrl+C to stop.`);
    expect(out).toMatch(/^ {2}new-checkout +true +true +rule_match +true$/m);

    const res = await fetch(`${url}/api/v1/projects/demo/environments/production/evaluate`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${PROD_KEY}` },
      body: JSON.stringify({ context: {} }),
    });
    expect(res.status).toBe(200);
    expect(out).toContain(`dashboard: ${url}/ (open it in a browser)`);
    const page = await fetch(`${url}/`);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');

    const edited = Date.now();
    await editFlags((doc) => void (flag(doc, 'new-checkout').environments.production!.enabled = false));
    await cli.waitForStdout(/^\d\d:\d\d:\d\d new-checkout true → false \(disabled\)$/, { timeoutMs: 3000 });
    expect(Date.now() - edited).toBeLessThan(1000);
    expect(cli.stderr()).toMatch(/reloaded .*flags\.json: demo\/production 1 flag change$/m);

    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('keeps watching after an invalid edit and reports it', async () => {
    const cli = startCli(['dev', file, '--port', '0']);
    await started(cli);
    await writeFile(file, '{ "projects": [');
    await expect.poll(() => cli.stderr(), { timeout: 3000 }).toContain('still serving the last good flags');
    await editFlags((doc) => void (flag(doc, 'banner-text').environments.production!.enabled = false), 'examples/flags.json');
    await cli.waitForStdout(/ banner-text "welcome" unchanged, switched off \(disabled\)$/, { timeoutMs: 3000 });
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });

  it('is what npm start runs (on examples/flags.json)', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { scripts: { start: string } };
    const [command, ...args] = pkg.scripts.start.split(' ');
    expect(command).toBe('node');
    expect(args).toEqual(['--import', 'tsx', 'lib/cli/main.ts', 'dev', 'examples/flags.json']);
    const cli = spawnNode([...args.map((arg) => (arg === 'examples/flags.json' ? file : arg)), '--port', '0']);
    await started(cli);
    await editFlags((doc) => void (flag(doc, 'dark-mode').environments.staging!.enabled = false));
    await editFlags((doc) => void (flag(doc, 'max-items').environments.production!.enabled = false));
    await cli.waitForStdout(/ max-items 10 unchanged, switched off \(disabled\)$/, { timeoutMs: 3000 });
    expect(cli.stdout().match(/^\d\d:\d\d:\d\d [\w-]+ \S+ (→|unchanged)/gm)).toHaveLength(1);
    expect(cli.stdout()).not.toMatch(/ (\S+) → \1 /);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
  });

  it('exits 2 when the file has no API key for the chosen environment', async () => {
    const cli = startCli(['dev', file, '--port', '0', '--env', 'nowhere']);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain('the flags file has no API key for environment "nowhere" to watch with');
  });

  it('documents its options in --help', async () => {
    const cli = startCli(['dev', '--help']);
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toMatch(/^Usage: flagstream dev \[file\] \[options\]/);
    for (const text of ['--host', '--port', '--project', '--env', '--user-id', '--attr']) expect(cli.stdout()).toContain(text);
  });
});
