/** `flagstream eval`: evaluate one flag for one context on the server, and exit with a code saying how it went. */
import { parseArgs } from 'node:util';
import { FlagNotFoundError } from '../errors.js';
import { integer, MAX_DELAY_MS } from './args.js';
import { UsageError, type Command } from './command.js';
import { connectionHelp, connectionOptions, contextFrom, resolveTarget } from './connection.js';
import { exitCodeHelp } from './exit-codes.js';
import { formatResult } from './format.js';
import { isMissingProject } from './project-not-found.js';
import { oneShotClient } from './one-shot.js';

const help = `Usage: flagstream eval <key> [options]

Evaluate one flag for one context on the server (the single-flag route) and print the result:
  <key> = <value> (variant "<variant>", reason <reason>, on|off)
or, with --json, the EvalResult as one JSON line:
  {"key","enabled","variant","value","reason","evaluatedAt","source"}
Failures print one line on stderr and exit with a distinct code.

${connectionHelp}

Options:
  --json               print the EvalResult as JSON
  --timeout-ms <n>     give up after n ms (default 5000)
  -h, --help           show this help

${exitCodeHelp}`;

/** The `eval` command. */
export const evalCommand: Command = {
  name: 'eval',
  summary: 'evaluate one flag for a context and print the result',
  help,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...connectionOptions,
        json: { type: 'boolean' },
        'timeout-ms': { type: 'string', default: '5000' },
      },
    });
    if (positionals.length !== 1) throw new UsageError(`expected one flag key, got ${positionals.length}`);
    const key = positionals[0] as string;
    const context = contextFrom(values);
    const timeoutMs = integer(values['timeout-ms'], 'timeout-ms', 1, MAX_DELAY_MS);
    const target = resolveTarget(values, { timeoutMs });
    const client = oneShotClient(target.transport, context, timeoutMs);
    try {
      const result = await client.evaluateFor(key, context).catch(async (error: unknown) => {
        // The single-flag route answers 404 for an unknown flag and an unknown project alike; the bulk route tells them apart.
        if (!(error instanceof FlagNotFoundError)) throw error;
        if (!target.missingProject) throw error;
        const projectMissing = await client.snapshotFor(context).then(() => false, isMissingProject);
        throw projectMissing ? target.missingProject() : error;
      });
      console.log(values.json ? JSON.stringify(result) : formatResult(result));
      return 0;
    } finally {
      client.close();
    }
  },
};
