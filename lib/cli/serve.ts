/** `flagstream serve`: run the local flag server on a flags file until SIGINT or SIGTERM. */
import { parseArgs } from 'node:util';
import { startServer, type FlagServer } from '../server/index.js';
import type { Logger } from '../types.js';
import { UsageError, type Command } from './command.js';

const help = `Usage: flagstream serve [file] [options]

Serve a flags file over the Cuttlegate API on loopback, reloading it on every save.

Arguments:
  file                 flags file (JSON); default ./flags.json

Options:
  --host <address>     interface to bind (default 127.0.0.1)
  --port <n>           port, 0 for any free one (default 8787)
  --heartbeat-ms <n>   stream keep-alive interval in ms (default 30000)
  -h, --help           show this help

Stops cleanly on Ctrl+C (SIGINT) or SIGTERM.`;

/** Messages go to stderr with a timestamp; stdout carries only the startup summary. */
const logger: Logger = {
  info: (message) => console.error(`${time()} ${message}`),
  warn: (message) => console.error(`${time()} warning: ${message}`),
  error: (message) => console.error(`${time()} error: ${message}`),
};

function time(): string {
  return new Date().toISOString().slice(11, 19);
}

function integer(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${value}"`);
  return n;
}

/** The startup summary: URL, projects with environments and API keys, flag count, admin key. */
function summary(server: FlagServer): string {
  const lines = [`flagstream serve: listening on ${server.url}`, `flags file: ${server.file} (watching for changes)`];
  for (const project of server.flags.projects) {
    lines.push(`project ${project.slug}`);
    const width = Math.max(...project.environments.map((env) => env.slug.length));
    for (const env of project.environments) {
      const keys = env.apiKeys ?? [];
      lines.push(`  ${env.slug.padEnd(width)}  ${keys.length === 0 ? '(no API keys)' : `API key ${keys.join(', ')}`}`);
    }
  }
  const flagCount = server.flags.projects.reduce((n, project) => n + (project.flags?.length ?? 0), 0);
  lines.push(`${flagCount} flag${flagCount === 1 ? '' : 's'}`);
  if (server.flags.adminKey !== undefined) lines.push(`admin key (toggles): ${server.flags.adminKey}`);
  lines.push('Press Ctrl+C to stop.');
  return lines.join('\n');
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  });
}

export const serve: Command = {
  name: 'serve',
  summary: 'run the local flag server on a flags file',
  help,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '8787' },
        'heartbeat-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(help);
      return 0;
    }
    if (positionals.length > 1) throw new UsageError(`expected at most one file, got ${positionals.length}`);
    const port = integer(values.port, 'port', 0, 65535);
    const heartbeatMs = integer(values['heartbeat-ms'], 'heartbeat-ms', 1, 2 ** 31 - 1);
    const server = await startServer({ file: positionals[0] ?? 'flags.json', host: values.host, port, heartbeatMs, logger });
    const signal = untilSignal();
    console.log(summary(server));
    logger.info?.(`received ${await signal}, shutting down`);
    await server.close();
    return 0;
  },
};
