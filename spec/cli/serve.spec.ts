import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSse } from '../server/sse-reader.js';
import { killAll, startCli, type Cli } from './cli-process.js';
import { PROD_KEY } from '../server/fixtures.js';

let tempDir: string | undefined;

afterEach(async () => {
  await killAll();
  if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
  tempDir = undefined;
});

const cli = (...args: string[]): Cli => startCli(args);

describe('flagstream serve', () => {
  it('prints the URL, keys and flag count, serves the file, and exits 0 on SIGTERM', async () => {
    const server = cli('serve', 'examples/flags.json', '--port', '0', '--heartbeat-ms', '50');
    const out = await server.waitForStdout('Press Ctrl+C to stop.');
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out)?.[1];
    expect(url).toBeDefined();
    expect(out).toContain(`production  API key ${PROD_KEY}`);
    expect(out).toContain('staging     API key cg_demo_staging_');
    expect(out).toContain('6 flags');
    expect(out).toContain('admin key (toggles): dev-admin-key');

    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(out).not.toContain('dashboard:');
    expect((await fetch(`${url}/`)).status).toBe(404);
    const res = await fetch(`${url}/api/v1/projects/demo/environments/production/flags/dark-mode/evaluate`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${PROD_KEY}` },
      body: JSON.stringify({ context: { user_id: 'u', attributes: { plan: 'pro' } } }),
    });
    expect(await res.json()).toMatchObject({ key: 'dark-mode', value_key: 'true', reason: 'rule_match' });

    const stream = await openSse(`${url}/api/v1/projects/demo/environments/production/flags/stream`, PROD_KEY);
    expect(await stream.next()).toMatchObject({ comments: [': keep-alive'] });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(await stream.next()).toBeUndefined();
  });

  it('serves the dashboard with --ui, and exits 0 on SIGINT', async () => {
    const server = cli('serve', 'examples/flags.json', '--port', '0', '--ui');
    const out = await server.waitForStdout('Press Ctrl+C to stop.');
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out)![1]!;
    expect(out).toContain(`dashboard: ${url}/ (open it in a browser)`);
    expect((await fetch(`${url}/`)).status).toBe(200);
    server.child.kill('SIGINT');
    expect(await server.exited).toBe(0);
    expect(server.stderr()).toContain('received SIGINT, shutting down');
  });

  it('exits 1 with the path and reason for an invalid flags file', async () => {
    tempDir = await mkdtemp(join(tmpdir(), 'flagstream-cli-'));
    const file = join(tempDir, 'flags.json');
    await writeFile(file, JSON.stringify({ projects: [{ slug: 'demo', environments: [], flags: [{ key: 'x', type: 'bool', defaultVariant: 'maybe' }] }] }));
    const server = cli('serve', file, '--port', '0');
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toContain(`invalid flags file ${file}`);
    expect(server.stderr()).toContain('projects[0].flags[0].defaultVariant: "maybe" is not one of the variants');
  });

  it('exits 2 naming the path when the flags file is a directory', async () => {
    tempDir = await mkdtemp(join(tmpdir(), 'flagstream-cli-'));
    const server = cli('serve', tempDir, '--port', '0');
    expect(await server.exited).toBe(2);
    expect(server.stderr()).toContain(`${tempDir} is a directory, not a flags file`);
    expect(server.stderr()).toContain(`flagstream serve ${join(tempDir, 'flags.json')}`);
    expect(server.stderr()).not.toContain('EISDIR');
  });

  it('warns that keys and the admin route are reachable off this machine on a non-loopback host, and not on loopback', async () => {
    const open = cli('serve', 'examples/flags.json', '--port', '0', '--host', '0.0.0.0');
    await open.waitForStdout('Press Ctrl+C to stop.');
    expect(open.stderr()).toContain('warning: listening on 0.0.0.0, not loopback: other machines can reach the flags, the API keys');
    const loopback = cli('serve', 'examples/flags.json', '--port', '0');
    await loopback.waitForStdout('Press Ctrl+C to stop.');
    expect(loopback.stderr()).not.toContain('warning: listening on');
  });

  it('warns about json variants OFREP cannot say, and serves the file', async () => {
    tempDir = await mkdtemp(join(tmpdir(), 'flagstream-cli-'));
    const file = join(tempDir, 'flags.json');
    const flag = { key: 'layout', type: 'json', variants: ['null', '[1,2]'], defaultVariant: 'null' };
    await writeFile(file, JSON.stringify({ projects: [{ slug: 'demo', environments: [{ slug: 'production', apiKeys: [PROD_KEY] }], flags: [flag] }] }));
    const server = cli('serve', file, '--port', '0');
    await server.waitForStdout('Press Ctrl+C to stop.');
    expect(server.stderr()).toContain(`warning: ${file}: projects[0].flags[0].variants[0]: OFREP has no null value: OFREP clients get their code default`);
    expect(server.stderr()).toContain(`warning: ${file}: projects[0].flags[0].variants[1]: an array is outside OFREP's object value`);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('exits 2 with a hint for bad options', async () => {
    const server = cli('serve', 'examples/flags.json', '--port', 'eighty');
    expect(await server.exited).toBe(2);
    expect(server.stderr()).toContain('--port must be an integer from 0 to 65535, got "eighty"');
    expect(server.stderr()).toContain('flagstream serve --help');
  });

  it('prints help for the command', async () => {
    const server = cli('serve', '--help');
    expect(await server.exited).toBe(0);
    expect(server.stdout()).toMatch(/^Usage: flagstream serve \[file\] \[options\]/);
    expect(server.stdout()).toContain('--heartbeat-ms');
  });
});

describe('flagstream', () => {
  it('lists the commands with --help and exits 0', async () => {
    const main = cli('--help');
    expect(await main.exited).toBe(0);
    expect(main.stdout()).toMatch(/Commands:\n {2}init +write a starter flags file/);
    for (const command of ['dev', 'serve', 'watch', 'eval']) expect(main.stdout()).toMatch(new RegExp(`\n {2}${command} +\\S`));
  });

  it('shows help for a command with "help <command>"', async () => {
    const main = cli('help', 'serve');
    expect(await main.exited).toBe(0);
    expect(main.stdout()).toMatch(/^Usage: flagstream serve/);
  });

  it('prints the package version with --version', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    const main = cli('--version');
    expect(await main.exited).toBe(0);
    expect(main.stdout()).toBe(`${pkg.version}\n`);
  });

  it('exits 2 for an unknown command or none', async () => {
    const unknown = cli('bogus');
    const none = cli();
    expect(await unknown.exited).toBe(2);
    expect(unknown.stderr()).toContain('unknown command "bogus"');
    expect(await none.exited).toBe(2);
    expect(none.stderr()).toContain('Usage: flagstream <command>');
  });
});
