import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLocalServer } from '../../lib/cli/local-server.js';
import { validateFlagsDocument, type FlagsDocument } from '../../lib/server/index.js';
import { schemaViolations } from '../support/json-schema.js';
import { killAll, startCli } from './cli-process.js';

const schema = JSON.parse(await readFile('schema/flags.schema.json', 'utf8')) as Record<string, unknown>;
const API_KEY = /^cg_[A-Za-z0-9_-]{43}$/;

let dir: string;
const blockers: Server[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flagstream-init-'));
});

afterEach(async () => {
  await killAll();
  await Promise.all(blockers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  await rm(dir, { recursive: true, force: true });
});

const readDoc = async (name = 'flags.json'): Promise<FlagsDocument> => JSON.parse(await readFile(join(dir, name), 'utf8')) as FlagsDocument;

/** Holds a loopback port (so a server cannot take it); closed in afterEach. */
async function occupyPort(port = 0): Promise<number> {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
  blockers.push(blocker);
  return (blocker.address() as AddressInfo).port;
}

describe('flagstream init', () => {
  it('writes a starter file that the schema and the loader accept, with fresh keys, and prints the next commands', async () => {
    const cli = startCli(['init'], {}, dir);
    expect(await cli.exited).toBe(0);
    const doc = await readDoc();
    expect(schemaViolations(schema, doc)).toEqual([]);
    expect(validateFlagsDocument(doc).warnings).toEqual([]);

    const project = doc.projects[0]!;
    const keys = project.environments.flatMap((env) => env.apiKeys ?? []);
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(key).toMatch(API_KEY);
    expect(doc.adminKey).toMatch(/^admin_[A-Za-z0-9_-]{32}$/);
    expect(new Set(project.flags!.map((flag) => flag.type))).toEqual(new Set(['bool', 'string', 'number', 'json']));
    const rules = project.flags!.flatMap((flag) => Object.values(flag.environments ?? {}).flatMap((env) => env.rules ?? []));
    expect(rules.some((rule) => rule.rollout !== undefined)).toBe(true);
    expect(rules.some((rule) => rule.conditions?.some((c) => c.operator === 'in_segment'))).toBe(true);
    expect(rules.some((rule) => rule.conditions?.some((c) => c.operator === 'eq'))).toBe(true);
    expect(project.segments).toHaveLength(1);
    for (const flag of project.flags!) expect(flag.description).toBeTruthy();
    // $schema points at the schema of the running package, relative to the file.
    expect(JSON.parse(await readFile(join(dir, doc.$schema!), 'utf8'))).toEqual(schema);

    const out = cli.stdout();
    expect(out).toMatch(/^Wrote flags\.json: project my-app \(development, production\), 5 flags/);
    expect(out).toContain('  npx flagstream dev flags.json\n');
    expect(out).toContain(`--key ${keys[0]} --project my-app --env development`);
    expect(out).toContain(`curl -X PATCH http://127.0.0.1:8787/api/v1/projects/my-app/environments/development/flags/new-checkout -H 'Authorization: Bearer ${doc.adminKey}' -d '{"enabled":false}'`);

    const again = startCli(['init', 'other.json'], {}, dir);
    expect(await again.exited).toBe(0);
    const other = await readDoc('other.json');
    expect(other.adminKey).not.toBe(doc.adminKey);
    expect(other.projects[0]!.environments[0]!.apiKeys![0]).not.toBe(keys[0]);
  });

  it('refuses to overwrite an existing file unless --force', async () => {
    await writeFile(join(dir, 'flags.json'), '{"projects":[]}\n');
    const refused = startCli(['init'], {}, dir);
    expect(await refused.exited).toBe(2);
    expect(refused.stderr()).toContain('flags.json already exists; pass --force to overwrite it');
    expect(await readFile(join(dir, 'flags.json'), 'utf8')).toBe('{"projects":[]}\n');

    const forced = startCli(['init', '--force'], {}, dir);
    expect(await forced.exited).toBe(0);
    expect((await readDoc()).projects[0]!.slug).toBe('my-app');
  });
});

describe('serve and dev without a flags file', () => {
  it.each(['serve', 'dev'])('%s says there is no flags.json here and suggests init', async (command) => {
    const cli = startCli([command, '--port', '0'], {}, dir);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain(`flagstream ${command}: no flags file given and no flags.json in ${dir}.`);
    expect(cli.stderr()).toContain('Create a starter one with "flagstream init"');
  });

  it('names a missing file that was given', async () => {
    const cli = startCli(['serve', 'missing.json', '--port', '0'], {}, dir);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain('flags file missing.json does not exist; create a starter one with "flagstream init missing.json"');
  });
});

describe('serve after init', () => {
  it('prints a bulk-evaluation curl, a toggle curl and the client snippet once', async () => {
    expect(await startCli(['init'], {}, dir).exited).toBe(0);
    const doc = await readDoc();
    const key = doc.projects[0]!.environments[0]!.apiKeys![0]!;
    const cli = startCli(['serve', '--port', '0'], {}, dir);
    const out = await cli.waitForStdout('Press Ctrl+C to stop.');
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out)![1]!;
    const base = `${url}/api/v1/projects/my-app/environments/development`;
    expect(out).toContain(`  curl -s -X POST ${base}/evaluate -H 'Authorization: Bearer ${key}' -d '{"context":{"user_id":"alice","attributes":{"plan":"pro"}}}'`);
    expect(out).toContain(`  curl -s -X PATCH ${base}/flags/new-checkout -H 'Authorization: Bearer ${doc.adminKey}' -d '{"enabled":false}'`);
    expect(out).toContain(`transport: cuttlegate({ serverUrl: '${url}', apiKey: '${key}', project: 'my-app', environment: 'development' }),`);
    expect(out.match(/curl -s -X POST/g)).toHaveLength(1);

    const res = await fetch(`${base}/evaluate`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}` },
      body: JSON.stringify({ context: { user_id: 'alice', attributes: { plan: 'pro' } } }),
    });
    const body = (await res.json()) as { flags: { key: string; value_key: string }[] };
    expect(body.flags.find((flag) => flag.key === 'dark-mode')?.value_key).toBe('true');
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });
});

describe('a port in use', () => {
  it('is named with the --port hint when it was given', async () => {
    const port = await occupyPort();
    const cli = startCli(['serve', 'examples/flags.json', '--port', String(port)]);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain(`flagstream serve: port ${port} is in use; choose another with --port <n>, or --port 0 for any free port`);
  });

  it('is skipped for the next free one when no port was given', async () => {
    const taken = await occupyPort();
    const notes: string[] = [];
    const server = await startLocalServer({ file: 'examples/flags.json', watch: false }, undefined, (note) => notes.push(note), taken);
    try {
      expect(server.port).toBeGreaterThan(taken);
      expect(notes).toEqual([`port ${taken} is in use; listening on ${server.port} instead (choose one with --port)`]);
    } finally {
      await server.close();
    }
  });
});
