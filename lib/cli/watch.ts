/** `flagstream watch`: a live view of the flags for one context, through the real client. */
import { parseArgs } from 'node:util';
import { createFlagClient } from '../client/client.js';
import { integer, MAX_DELAY_MS } from './args.js';
import { UsageError, type Command } from './command.js';
import { connectionHelp, connectionOptions, contextFrom, resolveTarget } from './connection.js';
import { isMissingProject } from './project-not-found.js';
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
  --poll-ms <n>        also poll every n ms (at least 1000); 0 = stream only (default 30000)
  -h, --help           show this help

Exits 0 on Ctrl+C (SIGINT) or SIGTERM, 3 when the project is not found, 4 when the API key is
rejected, 2 for a bad command line.`;

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
    if (pollIntervalMs !== undefined && pollIntervalMs > 0 && pollIntervalMs < 1000) {
      throw new UsageError(`--poll-ms must be 0 (stream only) or at least 1000, got ${pollIntervalMs}`);
    }
    const view = viewFor(process.stdout, process.stderr);
    const client = createFlagClient({
      transport: target.transport,
      context,
      streaming: true,
      pollIntervalMs,
      logger: { warn: view.note, error: view.note },
    });
    view.header([`flagstream watch: ${target.describe(context)} on ${target.server}`]);
    await watchClient(client, view).catch((error: unknown) => {
      throw isMissingProject(error) && target.missingProject ? target.missingProject() : error;
    });
    return 0;
  },
};
