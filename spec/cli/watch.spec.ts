import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type FlagServer } from '../../lib/server/index.js';
import { killAll, startCli, type Cli } from './cli-process.js';
import { PROD_KEY } from '../server/fixtures.js';

const CHANGE_LINE = /^\d\d:\d\d:\d\d \S+ .+ → .+ \(\S+\)$/;

let server: FlagServer;

beforeEach(async () => {
  server = await startServer({ file: 'examples/flags.json', watch: false, logger: { warn() {}, error() {} } });
});

afterEach(async () => {
  await killAll();
  await server.close();
});

function watch(...extra: string[]): Cli {
  return startCli(['watch', '--server', server.url, '--key', PROD_KEY, '--project', 'demo', '--env', 'production', ...extra]);
}

const changeLines = (cli: Cli): string[] => cli.stdout().split('\n').filter((line) => CHANGE_LINE.test(line));

describe('flagstream watch (piped)', () => {
  it('lists the flags, prints exactly one line for a toggle, and exits 0 on SIGINT', async () => {
    const cli = watch('--user-id', 'alice', '--attr', 'plan=pro', '--poll-ms', '0');
    await cli.waitForStdout(/^\d\d:\d\d:\d\d status: ready \(streaming\)$/);
    await server.waitForStreams(1);
    const out = cli.stdout();
    expect(out).toContain('flagstream watch: demo/production for user "alice" (plan=pro) on http://127.0.0.1:');
    expect(out).toMatch(/^\d\d:\d\d:\d\d 6 flags:$/m);
    expect(out).toMatch(/^ {2}KEY +VALUE +VARIANT +REASON +ENABLED$/m);
    expect(out).toMatch(/^ {2}new-checkout +true +true +rule_match +true$/m);
    expect(out).toMatch(/^ {2}banner-text +"welcome" +welcome +default +true$/m);
    expect(out).toMatch(/^ {2}max-items +25 +25 +rule_match +true$/m);
    expect(changeLines(cli)).toEqual([]);

    server.toggle('demo', 'production', 'new-checkout', false);
    await cli.waitForStdout(/ new-checkout true → false \(disabled\)$/);
    server.toggle('demo', 'production', 'max-items', false);
    await cli.waitForStdout(/ max-items 25 → 10 \(disabled\)$/);
    expect(changeLines(cli).map((line) => line.slice(9))).toEqual(['new-checkout true → false (disabled)', 'max-items 25 → 10 (disabled)']);

    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
    expect(server.streamCount).toBe(0);
  });

  it('shows status changes: a dropped stream, then the reconnect', async () => {
    const cli = watch('--poll-ms', '0');
    await cli.waitForStdout(/ status: ready \(streaming\)$/);
    await server.waitForStreams(1);
    const mark = cli.stdout().length;
    server.dropStreams();
    // the status names the stream's failure until it reconnects
    await cli.waitForStdout(/ status: ready: stream .*$/, { after: mark });
    await cli.waitForStdout(/ status: ready \(streaming\)$/, { after: mark, timeoutMs: 10_000 });
    await server.waitForStreams(1);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });

  it('exits 4 when the key is rejected, without printing it', async () => {
    const key = 'cg_wrong_0123456789abcdefghijklmnopqrstuvwxyz0123';
    const cli = watch('--key', key);
    expect(await cli.exited).toBe(4);
    expect(cli.stderr()).toContain('authentication failed (HTTP 401)');
    expect(cli.stdout()).toMatch(/ status: error: .*authentication failed \(HTTP 401\)$/m);
    expect(cli.stdout()).not.toMatch(/\b0 flags:/);
    expect(cli.stdout() + cli.stderr()).not.toContain(key);
  });

  it('exits 3 with "project not found" for an unknown project instead of retrying', async () => {
    const cli = watch('--project', 'nope');
    expect(await cli.exited).toBe(3);
    expect(cli.stderr()).toContain(`flagstream watch: project not found: "nope" on ${server.url}/ (check --project and --server)`);
    expect(cli.stdout()).not.toMatch(/\b0 flags:/);
    expect(server.requests.bulk).toBe(1);
  });

  it('exits 2 with a hint when the connection is incomplete or --poll-ms is too short', async () => {
    const cli = startCli(['watch', '--server', server.url]);
    const fast = watch('--poll-ms', '500');
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain('missing --key (or FLAGSTREAM_API_KEY)');
    expect(await fast.exited).toBe(2);
    expect(fast.stderr()).toContain('--poll-ms must be 0 (stream only) or at least 1000, got 500');
  });

  it('documents its options in --help', async () => {
    const cli = startCli(['watch', '--help']);
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toMatch(/^Usage: flagstream watch \[options\]/);
    for (const text of ['--server', '--key', '--project', '--env', '--user-id', '--attr', '--poll-ms', 'FLAGSTREAM_URL', '<time> <key> <old> → <new> (<reason>)']) {
      expect(cli.stdout()).toContain(text);
    }
  });
});
