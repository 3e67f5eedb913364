/** `flagstream watch`: a live view of the flags for one context, through the real client. */
import { parseArgs } from 'node:util';
import { createFlagClient } from '../client/client.js';
import { integer, MAX_DELAY_MS } from './args.js';
import type { Command } from './command.js';
import { connectionHelp, connectionOptions, contextFrom, resolveTarget } from './connection.js';
import { viewFor } from './watch-view.js';
import { watchClient } from './watcher.js';

const help = `Usage: flagstream watch [options]

Show the flags of one environment for one context, live: the client streams changes (SSE) and
polls as a fallback. On a terminal the table is redrawn in place; when piped, it prints the
initial listing, then one line per change:
  <time> <key> <old> → <new> (<reason>)
and a "<time> status: …" line whenever the client's status changes (ready, stale, error, streaming).

${connectionHelp}

Options:
  --poll-ms <n>        also poll every n ms; 0 = stream only (default 30000)
  -h, --help           show this help

Exits 0 on Ctrl+C (SIGINT) or SIGTERM, 4 when the API key is rejected, 2 for a bad command line.`;

/** The `watch` command. */
export const watch: Command = {
  name: 'watch',
  summary: 'show the flags for a context live, with one line per change',
  help,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { ...connectionOptions, 'poll-ms': { type: 'string' } },
    });
    const target = resolveTarget(values);
    const context = contextFrom(values);
    const pollIntervalMs = integer(values['poll-ms'], 'poll-ms', 0, MAX_DELAY_MS);
    const view = viewFor(process.stdout, process.stderr);
    const client = createFlagClient({
      transport: target.transport,
      context,
      streaming: true,
      pollIntervalMs,
      logger: { warn: view.note, error: view.note },
    });
    view.header([`flagstream watch: ${target.describe(context)} on ${target.server}`]);
    await watchClient(client, view);
    return 0;
  },
};
