/** The `flagstream` command line: dispatches to one module per command. */
import { FlagstreamError } from '../errors.js';
import { UsageError, type Command } from './command.js';
import { dev } from './dev.js';
import { evalCommand } from './eval.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { init } from './init.js';
import { serve } from './serve.js';
import { types } from './types.js';
import { packageVersion } from './version.js';
import { watch } from './watch.js';

const commands: readonly Command[] = [init, dev, serve, watch, evalCommand, types];

const help = `Usage: flagstream <command> [options]

Commands:
${commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join('\n')}

Run "flagstream <command> --help" for a command's options, "flagstream --version" for the version.`;

/** Run the CLI with `argv` (without the node and script paths); resolves to the exit code. */
async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v') {
    console.log(packageVersion());
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    if (name === undefined) {
      console.error(help);
      return 2;
    }
    const topic = name === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
    console.log(topic?.help ?? help);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined) {
    console.error(`flagstream: unknown command "${name}"\n\n${help}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.help);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    return report(command, error);
  }
}

/**
 * Usage mistakes exit 2 with a hint; known failures print their one-line message and exit with
 * their code ({@link exitCodeFor}); anything else rethrows.
 */
function report(command: Command, error: unknown): number {
  const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  if (usage) {
    console.error(`flagstream ${command.name}: ${(error as Error).message}\nRun "flagstream ${command.name} --help" for usage.`);
    return ExitCode.usage;
  }
  if (error instanceof FlagstreamError || (error as NodeJS.ErrnoException).code !== undefined) {
    console.error(`flagstream ${command.name}: ${(error as Error).message}`);
    return exitCodeFor(error);
  }
  throw error;
}

process.exitCode = await main(process.argv.slice(2));
