/** `flagstream serve`: run the local flag server on a flags file until SIGINT or SIGTERM. */
import { parseArgs } from 'node:util';
import { integer, listenOptions, MAX_DELAY_MS } from './args.js';
import type { Command } from './command.js';
import { flagsFileArgument, startLocalServer } from './local-server.js';
import { stderrLogger } from './log.js';
import { serverSummary } from './server-summary.js';
import { untilSignal } from './signals.js';
import { tryItLines } from './try-it.js';

const help = `Usage: flagstream serve [file] [options]

Serve a flags file on loopback over the Cuttlegate API (/api/v1/projects/…) and the Rollgate
SDK API (/api/v1/sdk/…, where the API key selects its project and environment), reloading it on
every save.

Arguments:
  file                 flags file (JSON); default ./flags.json

Options:
  --host <address>     interface to bind (default 127.0.0.1)
  --port <n>           port, 0 for any free one (default 8787, or the next free one)
  --heartbeat-ms <n>   stream heartbeat interval in ms (default 30000 Cuttlegate, 15000 Rollgate)
  --ui                 also serve the dashboard at / (loopback hosts only)
  -h, --help           show this help

Logs go to stderr; stdout carries only the startup summary.
Stops cleanly on Ctrl+C (SIGINT) or SIGTERM.`;

/** The `serve` command. */
export const serve: Command = {
  name: 'serve',
  summary: 'run the local flag server on a flags file',
  help,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...listenOptions,
        'heartbeat-ms': { type: 'string' },
        ui: { type: 'boolean' },
      },
    });
    const file = flagsFileArgument(positionals, 'serve');
    const port = integer(values.port, 'port', 0, 65535);
    const heartbeatMs = integer(values['heartbeat-ms'], 'heartbeat-ms', 1, MAX_DELAY_MS);
    const dashboard = values.ui ?? false;
    const server = await startLocalServer({ file, host: values.host, heartbeatMs, dashboard, logger: stderrLogger }, port, (message) => stderrLogger.warn(message));
    const signal = untilSignal();
    console.log([...serverSummary(server, 'serve', dashboard), '', ...tryItLines(server), '', 'Press Ctrl+C to stop.'].join('\n'));
    stderrLogger.info?.(`received ${await signal}, shutting down`);
    await server.close();
    return 0;
  },
};
