/** `flagstream types`: write the TypeScript flags interface (`FlagClient<Flags>`) from a flags file or a live server. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.js';
import { describeUrl } from '../net/http.js';
import { readFlagsFile } from '../server/load.js';
import { rollgate } from '../transports/rollgate/index.js';
import type { Transport } from '../transports/transport.js';
import { integer, MAX_DELAY_MS } from './args.js';
import { UsageError, type Command } from './command.js';
import { connectionOptions, contextFrom, resolveTarget, type ClientTarget, type ConnectionArgs } from './connection.js';
import { ExitCode } from './exit-codes.js';
import { chooseProject, declaredFromFile, declaredFromResults, renderInterface } from './flag-interface.js';
import { flagsFileArgument } from './local-server.js';
import { isMissingProject } from './project-not-found.js';
import { oneShotClient } from './one-shot.js';

const help = `Usage: flagstream types [FILE] [options]
       flagstream types --server <url> --key <api-key> [options]

Write the TypeScript interface of a project's flags, for createFlagClient<Flags>(…):
  export interface Flags { "banner-text": "holiday-sale" | "welcome"; "dark-mode": boolean; … }
From a flags file (default ./flags.json): bool → boolean, string → the union of its variants,
number → number, json → the union of its variants' shapes (values widened: {"steps":3} gives
{ steps: number }). From a server (--server): one bulk evaluation; evaluations carry no variants,
so string flags are typed string and json flags by the value served.

Options:
  --out <path>         write the interface to this file (default: print it)
  --check              compare --out with what would be written; exit 1 when it is out of date
  --project <slug>     the project (needed when the file has several; with --server, Cuttlegate's)
  -h, --help           show this help

Server (instead of FILE):
  --server <url>       the server root (OFREP: the part before /ofrep)
  --key <api-key>      API key (never written to the file)   FLAGSTREAM_API_KEY
  --protocol <name>    cuttlegate (default), rollgate or ofrep FLAGSTREAM_PROTOCOL
  --env <slug>         environment (Cuttlegate, with --project) FLAGSTREAM_ENV
  --timeout-ms <n>     give up after n ms (default 5000)

Exit codes: 0 written or up to date, 1 out of date (--check) or invalid file or server error,
2 bad command line, 3 project not found, 4 API key rejected, 5 server unreachable.`;

const PROTOCOLS = ['cuttlegate', 'rollgate', 'ofrep'] as const;

/** The `types` command. */
export const types: Command = {
  name: 'types',
  summary: 'write the TypeScript interface of the flags (typed keys), or --check it',
  help,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { ...connectionOptions, out: { type: 'string' }, check: { type: 'boolean' }, 'timeout-ms': { type: 'string', default: '5000' } },
    });
    const out = values.out;
    if (values.check && out === undefined) throw new UsageError('--check compares the file named by --out: give --out <path>');
    const { text, count } = values.server === undefined ? await fromFile(positionals, values, out) : await fromServer(positionals, values, out);
    if (values.check) return check(out!, text, count);
    if (out === undefined) {
      process.stdout.write(text);
      return ExitCode.ok;
    }
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, text);
    console.log(`wrote ${count} flag(s) to ${out}`);
    return ExitCode.ok;
  },
};

/** The parsed options `types` reads. */
type Values = ConnectionArgs & { 'timeout-ms'?: string };

/** The generated text and how many flags it declares. */
interface Generated {
  text: string;
  count: number;
}

/** The interface of one project of a flags file. */
async function fromFile(positionals: string[], values: Values, out: string | undefined): Promise<Generated> {
  for (const option of ['key', 'env', 'protocol', 'user-id', 'attr'] as const) {
    if (values[option] !== undefined) throw new UsageError(`--${option} is used with --server only`);
  }
  const file = flagsFileArgument(positionals, 'types');
  const { document } = await readFlagsFile(file);
  const project = chooseProject(document, values.project, file);
  const command = ['npx flagstream types', file, ...(values.project ? ['--project', values.project] : []), ...(out ? ['--out', out] : [])];
  const flags = declaredFromFile(project);
  const text = renderInterface(flags, header(`${file}, project "${project.slug}"`, command, out), 'Flags', `The flags of project "${project.slug}".`);
  return { text, count: flags.length };
}

/** The interface of a live bulk evaluation (one request, no stream). */
async function fromServer(positionals: string[], values: Values, out: string | undefined): Promise<Generated> {
  if (positionals.length > 0) throw new UsageError('give a flags file or --server, not both');
  const protocol = values.protocol ?? process.env.FLAGSTREAM_PROTOCOL ?? 'cuttlegate';
  if (!(PROTOCOLS as readonly string[]).includes(protocol)) throw new UsageError(`--protocol must be ${PROTOCOLS.join(', ')}; got "${protocol}"`);
  const timeoutMs = integer(values['timeout-ms'], 'timeout-ms', 1, MAX_DELAY_MS);
  const target = protocol === 'rollgate' ? rollgateTarget(values) : resolveTarget({ ...values, protocol }, { timeoutMs });
  const context = contextFrom(values);
  const client = oneShotClient(target.transport, context, timeoutMs);
  try {
    const snapshot = await client.snapshotFor(context).catch((error: unknown) => {
      throw isMissingProject(error) && target.missingProject ? target.missingProject() : error;
    });
    const server = describeUrl(target.server).replace(/\/$/, '');
    const project = values.project ?? process.env.FLAGSTREAM_PROJECT;
    const env = values.env ?? process.env.FLAGSTREAM_ENV;
    const where = protocol === 'cuttlegate' ? ['--project', `${project}`, '--env', `${env}`] : [];
    const key = (values.key ?? process.env.FLAGSTREAM_API_KEY) ? ['--key "$FLAGSTREAM_API_KEY"'] : [];
    const command = ['npx flagstream types --server', server, '--protocol', protocol, ...where, ...key, ...(out ? ['--out', out] : [])];
    const source = `${protocol} server ${server}${protocol === 'cuttlegate' ? `, ${project}/${env}` : ''} (string flags are typed string: evaluations carry no variants)`;
    const flags = declaredFromResults(snapshot.values());
    return { text: renderInterface(flags, header(source, command, out), 'Flags', `The flags served by ${server}.`), count: flags.length };
  } finally {
    client.close();
  }
}

/** The Rollgate target: `--server` and `--key`; the key knows its project and environment. */
function rollgateTarget(values: Values): ClientTarget {
  for (const option of ['project', 'env'] as const) {
    if (values[option] !== undefined) throw new UsageError(`--${option} is not used with --protocol rollgate (the server knows it from the key)`);
  }
  const apiKey = values.key ?? (process.env.FLAGSTREAM_API_KEY || undefined);
  if (apiKey === undefined) throw new UsageError('missing --key (or FLAGSTREAM_API_KEY)');
  let transport: Transport;
  try {
    transport = rollgate({ baseUrl: values.server, apiKey });
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(`--${error.field === 'apiKey' ? 'key' : 'server'}: ${error.message.slice(error.field.length + 2)}`);
    throw error;
  }
  const server = describeUrl(values.server!).replace(/\/$/, '');
  return { transport, server, describe: () => `Rollgate on ${server}` };
}

/** The generated file's header: what it is, where it came from, how to regenerate (and check) it. */
function header(source: string, command: readonly string[], out: string | undefined): string[] {
  const lines = [`Generated by \`flagstream types\` from ${source}.`, 'Do not edit: regenerate with', `  ${command.join(' ')}`];
  if (out !== undefined) lines.push('CI checks it is current with the same command plus --check.');
  return lines;
}

/** `--check`: 0 when `out` holds exactly `expected`, else 1 with the lines that differ. */
async function check(out: string, expected: string, count: number): Promise<number> {
  const actual = await readFile(out, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (actual === expected) {
    console.log(`${out} is up to date (${count} flag(s))`);
    return ExitCode.ok;
  }
  const regenerate = 'Regenerate it with the same command without --check.';
  if (actual === undefined) {
    console.error(`flagstream types: ${out} does not exist. ${regenerate}`);
    return ExitCode.failure;
  }
  const { added, removed } = lineDiff(actual, expected);
  const shown = [...removed.map((line) => `  - ${line.trim()}`), ...added.map((line) => `  + ${line.trim()}`)];
  const limit = 20;
  console.error(
    `flagstream types: ${out} is out of date (${removed.length} line(s) to remove, ${added.length} to add):\n` +
      shown.slice(0, limit).join('\n') +
      (shown.length > limit ? `\n  … and ${shown.length - limit} more` : '') +
      `\n${regenerate}`,
  );
  return ExitCode.failure;
}

/** Lines of `expected` missing from `actual` (added) and the reverse (removed), each in file order. */
function lineDiff(actual: string, expected: string): { added: string[]; removed: string[] } {
  const actualLines = actual.split('\n');
  const expectedLines = expected.split('\n');
  const missing = (lines: string[], from: string[]): string[] => {
    const left = new Map<string, number>();
    for (const line of from) left.set(line, (left.get(line) ?? 0) + 1);
    return lines.filter((line) => {
      const count = left.get(line) ?? 0;
      if (count > 0) left.set(line, count - 1);
      return count === 0 && line.trim() !== '';
    });
  };
  return { added: missing(expectedLines, actualLines), removed: missing(actualLines, expectedLines) };
}
