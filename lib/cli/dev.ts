/**
 * `flagstream dev`: the local server and a watcher in one process, for trying flags out: edit the
 * file and the change shows up in the same terminal.
 */
import { parseArgs } from 'node:util';
import { createFlagClient } from '../client/client.js';
import { isLoopbackHost } from '../server/dashboard/index.js';
import { integer, listenOptions } from './args.js';
import type { Command } from './command.js';
import { contextFrom, describeTarget, transportFor } from './connection.js';
import { flagsFileArgument, startLocalServer } from './local-server.js';
import { serverSummary } from './server-summary.js';
import { pickConnection, tryItLines } from './try-it.js';
import { viewFor } from './watch-view.js';
import { watchClient } from './watcher.js';

const help = `Usage: flagstream dev [file] [options]

Serve a flags file (as "flagstream serve" does) and watch it (as "flagstream watch" does) in one
terminal. The watcher uses the first project, environment and API key of the file; edit the file
and every changed flag prints a line (or redraws the table on a terminal):
  <time> <key> <old> → <new> (<reason>)

Arguments:
  file                 flags file (JSON); default ./flags.json

Options:
  --host <address>     interface to bind (default 127.0.0.1)
  --port <n>           port, 0 for any free one (default 8787, or the next free one)
  --project <slug>     watch this project instead of the first
  --env <slug>         watch this environment instead of the first with an API key
  --user-id <id>       user id to evaluate for (default: anonymous)
  --attr <name=value>  targeting attribute; repeat for more
  --no-ui              do not serve the dashboard at / (it is served only on loopback hosts)
  -h, --help           show this help

Stops the watcher and the server on Ctrl+C (SIGINT) or SIGTERM and exits 0.`;

/** The `dev` command. */
export const dev: Command = {
  name: 'dev',
  summary: 'serve a flags file and watch its flags in the same terminal',
  help,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...listenOptions,
        project: { type: 'string' },
        env: { type: 'string' },
        'user-id': { type: 'string' },
        attr: { type: 'string', multiple: true },
        'no-ui': { type: 'boolean' },
      },
    });
    const file = flagsFileArgument(positionals, 'dev');
    const port = integer(values.port, 'port', 0, 65535);
    const context = contextFrom(values);
    const view = viewFor(process.stdout, process.stderr);
    const note = (message: string): void => view.note(message);
    const dashboard = !values['no-ui'] && isLoopbackHost(values.host);
    if (!values['no-ui'] && !dashboard) note(`dashboard off: it is served only on a loopback host, not ${values.host}`);
    const server = await startLocalServer({ file, host: values.host, dashboard, logger: { info: note, warn: note, error: note } }, port, note);
    try {
      const connection = pickConnection(server.flags, server.url, values.project, values.env);
      view.header([
        ...serverSummary(server, 'dev', dashboard),
        '',
        ...tryItLines(server, connection),
        '',
        `watching ${describeTarget(connection, context)} with API key ${connection.apiKey}`,
        `Edit ${file} to see changes here. Press Ctrl+C to stop.`,
      ]);
      const client = createFlagClient({ transport: transportFor(connection), context, streaming: true, logger: { warn: note, error: note } });
      await watchClient(client, view);
      return 0;
    } finally {
      await server.close();
    }
  },
};
