import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeOfrep, STREAM_TOKEN, exampleItems } from '../support/fake-ofrep.js';
import { killAll, startCli, type Cli } from './cli-process.js';

const CHANGE_LINE = /^\d\d:\d\d:\d\d \S+ .+ → .+ \(\S+\)$/;

let fake: FakeOfrep;

beforeEach(async () => {
  fake = await FakeOfrep.start(exampleItems());
});

afterEach(async () => {
  await killAll();
  await fake.close();
});

/** `flagstream <command> --protocol ofrep --server <fake> --key <key> …`. */
function ofrepCli(command: string, ...extra: string[]): Cli {
  return startCli([command, '--protocol', 'ofrep', '--server', fake.url, '--key', fake.apiKey, ...extra]);
}

describe('flagstream eval --protocol ofrep', () => {
  it('evaluates on the single-flag route and prints the human line', async () => {
    const cli = ofrepCli('eval', 'discount-banner', '--user-id', 'u1', '--attr', 'plan=pro');
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toBe('discount-banner = true (variant "enabled", reason TARGETING_MATCH, on)\n');
    expect(cli.stderr()).toBe('');
    expect(fake.requests).toHaveLength(1);
    expect(fake.singleRequests[0]).toMatchObject({ path: '/ofrep/v1/evaluate/flags/discount-banner', body: { context: { targetingKey: 'u1', plan: 'pro' } } });
    expect(fake.singleRequests[0]!.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
  });

  it('prints a code-default result as no value, with --json as one EvalResult line', async () => {
    const cli = ofrepCli('eval', 'new-feature', '--json');
    expect(await cli.exited).toBe(0);
    expect(JSON.parse(cli.stdout())).toMatchObject({ key: 'new-feature', enabled: false, variant: '', reason: 'DISABLED', source: 'network' });
    expect(JSON.parse(cli.stdout())).not.toHaveProperty('value');
  });

  it('takes the protocol, server and key from FLAGSTREAM_* variables', async () => {
    const cli = startCli(['eval', 'max-items', '--json'], { FLAGSTREAM_PROTOCOL: 'ofrep', FLAGSTREAM_URL: fake.url, FLAGSTREAM_API_KEY: fake.apiKey });
    expect(await cli.exited).toBe(0);
    expect(JSON.parse(cli.stdout())).toMatchObject({ value: 25, variant: 'b', reason: 'SPLIT' });
  });

  it('exits 3 for an unknown flag and 4 for a rejected key, never printing the key', async () => {
    const missing = ofrepCli('eval', 'no-such-flag');
    expect(await missing.exited).toBe(3);
    expect(missing.stderr()).toBe('flagstream eval: flag not found: no-such-flag\n');
    const wrongKey = 'ofrep-wrong-key-0000';
    const rejected = startCli(['eval', 'max-items', '--protocol', 'ofrep', '--server', fake.url, '--key', wrongKey]);
    expect(await rejected.exited).toBe(4);
    expect(rejected.stderr()).toContain('authentication failed (HTTP 401)');
    expect(rejected.stderr()).not.toContain(wrongKey);
  });

  it.each([
    [['--protocol', 'grpc'], '--protocol must be cuttlegate or ofrep, got "grpc"'],
    [['--protocol', 'ofrep', '--server', 'http://x', '--project', 'demo'], '--project is not used with --protocol ofrep'],
    [['--protocol', 'ofrep'], 'missing --server (or FLAGSTREAM_URL, or OFREP_ENDPOINT)'],
    [['--protocol', 'ofrep', '--server', 'http://x/?token=1'], '--server: must not have a query or fragment'],
  ])('exits 2 for a bad command line: %j', async (args, message) => {
    const cli = startCli(['eval', 'max-items', ...args]);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain(message);
  });

  it('documents --protocol in --help', async () => {
    const cli = startCli(['eval', '--help']);
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toContain('--protocol <name>    cuttlegate (default) or ofrep');
    expect(cli.stdout()).toContain('OFREP_ENDPOINT');
  });
});

describe('flagstream watch --protocol ofrep (piped)', () => {
  it('lists the flags, streams the advertised event stream, prints one line per change, exits 0 on SIGINT', async () => {
    fake.eventStreams = [fake.urlEntry('a')];
    const cli = ofrepCli('watch', '--user-id', 'alice', '--poll-ms', '0');
    await cli.waitForStdout(/^\d\d:\d\d:\d\d status: ready \(streaming\)$/);
    await fake.waitForOpenStreams(1);
    await fake.waitForBulk(2); // the refetch after the stream opened
    const out = cli.stdout();
    expect(out).toContain(`flagstream watch: OFREP for user "alice" on ${fake.url}`);
    expect(out).toMatch(/^ {2}max-items +25 +b +SPLIT +true$/m);
    expect(out).toMatch(/^ {2}new-feature +- +DISABLED +false$/m);

    fake.change(() => fake.set({ key: 'max-items', value: 40, reason: 'SPLIT', variant: 'c' }));
    await cli.waitForStdout(/ max-items 25 → 40 \(SPLIT\)$/);
    await fake.waitFor(() => fake.bulkRequests.some((request) => request.query.flagConfigEtag === `"cfg-${fake.configVersion}"`));
    expect(cli.stdout().split('\n').filter((line) => CHANGE_LINE.test(line))).toHaveLength(1);
    expect(cli.stdout() + cli.stderr()).not.toContain(STREAM_TOKEN);

    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
    await fake.waitFor(() => fake.openStreams === 0);
  });
});
