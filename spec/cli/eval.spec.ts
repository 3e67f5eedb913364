import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type FlagServer } from '../../lib/server/index.js';
import { killAll, startCli } from './cli-process.js';
import { PROD_KEY, STAGING_KEY } from '../server/fixtures.js';

const WRONG_KEY = 'cg_wrong_0123456789abcdefghijklmnopqrstuvwxyz0123';

let server: FlagServer;
let silent: Server | undefined;

beforeEach(async () => {
  server = await startServer({ file: 'examples/flags.json', watch: false, logger: { warn() {}, error() {} } });
});

afterEach(async () => {
  await killAll();
  await server.close();
  if (silent !== undefined) await new Promise((resolve) => silent!.close(resolve));
  silent = undefined;
});

/** `flagstream eval <key> …` against the in-process server, production environment. */
function evaluate(key: string, ...extra: string[]) {
  return startCli(['eval', key, '--server', server.url, '--key', PROD_KEY, '--project', 'demo', '--env', 'production', ...extra]);
}

/** A port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('flagstream eval', () => {
  it('prints a human line and exits 0', async () => {
    const cli = evaluate('dark-mode', '--user-id', 'u1', '--attr', 'plan=pro');
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toBe('dark-mode = true (variant "true", reason rule_match, on)\n');
    expect(cli.stderr()).toBe('');
    expect(server.requests.single).toBe(1);
    expect(server.requestLog[0]?.context).toEqual({ userId: 'u1', attributes: { plan: 'pro' } });
  });

  it('prints the EvalResult as one JSON line with --json', async () => {
    const cli = evaluate('max-items', '--json', '--attr', 'plan=enterprise');
    expect(await cli.exited).toBe(0);
    const lines = cli.stdout().split('\n');
    expect(lines).toHaveLength(2);
    const result = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(result).toMatchObject({ key: 'max-items', enabled: true, variant: '25', value: 25, reason: 'rule_match', source: 'network' });
    expect(new Date(result.evaluatedAt as string).toISOString()).toBe(result.evaluatedAt);
  });

  it('takes the connection from FLAGSTREAM_* variables, options winning', async () => {
    const env = { FLAGSTREAM_URL: server.url, FLAGSTREAM_API_KEY: STAGING_KEY, FLAGSTREAM_PROJECT: 'demo', FLAGSTREAM_ENV: 'staging' };
    const fromEnv = startCli(['eval', 'max-items', '--json'], env);
    const overridden = startCli(['eval', 'max-items', '--json', '--key', PROD_KEY, '--env', 'production'], env);
    expect(await fromEnv.exited).toBe(0);
    expect(await overridden.exited).toBe(0);
    expect(JSON.parse(fromEnv.stdout())).toMatchObject({ variant: '10', reason: 'disabled', enabled: false });
    expect(JSON.parse(overridden.stdout())).toMatchObject({ variant: '10', reason: 'default', enabled: true });
  });

  it('exits 3 for an unknown flag, with one line on stderr', async () => {
    const cli = evaluate('no-such-flag', '--json');
    expect(await cli.exited).toBe(3);
    expect(cli.stdout()).toBe('');
    expect(cli.stderr()).toBe('flagstream eval: flag not found: no-such-flag\n');
  });

  it.each([
    ['an unknown project', ['--project', 'nope'], '"nope" on SERVER/'],
    ['a URL that is not the server root', ['--server', 'SERVER/some/prefix'], '"demo" on SERVER/some/prefix'],
  ])('exits 3 with "project not found" for %s', async (_, extra, where) => {
    const cli = evaluate('dark-mode', ...extra.map((arg) => arg.replace('SERVER', server.url)));
    expect(await cli.exited).toBe(3);
    expect(cli.stderr()).toBe(`flagstream eval: project not found: ${where.replace('SERVER', server.url)} (check --project and --server)\n`);
  });

  it.each([
    ['a rejected key (401)', WRONG_KEY, 'production', 'authentication failed (HTTP 401)'],
    ['a key of another environment (403)', STAGING_KEY, 'production', 'access denied (HTTP 403)'],
  ])('exits 4 for %s and never prints the key', async (_, key, env, message) => {
    const cli = evaluate('dark-mode', '--key', key, '--env', env);
    expect(await cli.exited).toBe(4);
    expect(cli.stdout()).toBe('');
    expect(cli.stderr().split('\n')).toHaveLength(2);
    expect(cli.stderr()).toContain(message);
    expect(cli.stderr()).not.toContain(key);
  });

  it('exits 5 when nothing listens on the port', async () => {
    const cli = evaluate('dark-mode', '--server', `http://127.0.0.1:${await closedPort()}`);
    expect(await cli.exited).toBe(5);
    expect(cli.stderr()).toMatch(/^flagstream eval: POST http:\/\/127\.0\.0\.1:\d+\/\S+: .+\n$/);
    expect(cli.stderr()).not.toContain(PROD_KEY);
  });

  it('exits 5 after --timeout-ms when the server does not answer', async () => {
    silent = createServer(() => {});
    await new Promise<void>((resolve) => silent!.listen(0, '127.0.0.1', resolve));
    const started = Date.now();
    const cli = evaluate('dark-mode', '--server', `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, '--timeout-ms', '300');
    expect(await cli.exited).toBe(5);
    expect(cli.stderr()).toContain('timed out after 300 ms');
    expect(Date.now() - started).toBeLessThan(5000);
    silent.closeAllConnections();
  });

  it.each([
    [['dark-mode'], 'missing --server (or FLAGSTREAM_URL)'],
    [[], 'expected one flag key, got 0'],
    [['dark-mode', '--server', 'http://x', '--key', 'k', '--project', 'demo', '--env', 'production', '--attr', 'plan'], '--attr expects name=value, got "plan"'],
    [['dark-mode', '--server', 'ftp://x', '--key', 'k', '--project', 'demo', '--env', 'production'], '--server: must be an http(s) URL'],
    [['dark-mode', '--server', 'http://x', '--key', 'k', '--project', 'demo', '--env', 'production', '--timeout-ms', '0'], '--timeout-ms must be an integer'],
  ])('exits 2 for a bad command line: %j', async (args, message) => {
    const cli = startCli(['eval', ...args]);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain(message);
    expect(cli.stderr()).toContain('Run "flagstream eval --help" for usage.');
  });

  it('documents its options and exit codes in --help', async () => {
    const cli = startCli(['eval', '--help']);
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toMatch(/^Usage: flagstream eval <key> \[options\]/);
    for (const text of ['--server', '--key', '--project', '--env', '--user-id', '--attr', '--json', '--timeout-ms', 'FLAGSTREAM_API_KEY']) {
      expect(cli.stdout()).toContain(text);
    }
    expect(cli.stdout()).toMatch(/3 +flag or project not found[\s\S]*4 +API key rejected[\s\S]*5 +server unreachable or timed out/);
  });
});
