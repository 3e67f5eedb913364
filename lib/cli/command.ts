/** What every CLI command provides, and the error for bad command lines. */

/** One `flagstream <name>` command. */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Full `--help` text. */
  help: string;
  /** Run with the arguments after the command name; resolves to the exit code. */
  run(args: string[]): Promise<number>;
}

/** A bad command line: the message is printed with a hint to `--help`, exit code 2. */
export class UsageError extends Error {}
