/** Starting the local server for `serve` and `dev`: the flags file argument, and a port that may be taken. */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isLoopbackHost } from '../server/dashboard/index.js';
import { startServer, type FlagServer, type ServerOptions } from '../server/index.js';
import { DEFAULT_PORT } from './args.js';
import { UsageError } from './command.js';

/** Default flags file of `serve` and `dev`, in the working directory. */
export const DEFAULT_FLAGS_FILE = 'flags.json';

/** How many ports after the default to try before any free one. */
const PORT_ATTEMPTS = 10;

/** The flags file to serve; a missing one is a `UsageError` that suggests `flagstream init`. */
export function flagsFileArgument(positionals: readonly string[], command: string): string {
  if (positionals.length > 1) throw new UsageError(`expected at most one file, got ${positionals.length}`);
  const given = positionals[0];
  const file = given ?? DEFAULT_FLAGS_FILE;
  if (existsSync(file)) {
    if (!statSync(file).isDirectory()) return file;
    throw new UsageError(`${file} is a directory, not a flags file; name the file in it, e.g. flagstream ${command} ${join(file, DEFAULT_FLAGS_FILE)}`);
  }
  if (given === undefined) {
    throw new UsageError(
      `no flags file given and no ${DEFAULT_FLAGS_FILE} in ${process.cwd()}.\n` +
        `Create a starter one with "flagstream init", or name a file: flagstream ${command} path/to/flags.json`,
    );
  }
  throw new UsageError(`flags file ${given} does not exist; create a starter one with "flagstream init ${given}"`);
}

/**
 * Start the server on `port`; on a host other than loopback, `note` warns that the admin route and
 * the file's API keys are reachable from other machines. An explicit port that is taken is a `UsageError` naming it and
 * `--port`; without one, `defaultPort` and the next few are tried, then any free port, and
 * `note` says which port was taken.
 */
export async function startLocalServer(
  options: Omit<ServerOptions, 'port'>,
  port: number | undefined,
  note: (message: string) => void,
  defaultPort = DEFAULT_PORT,
): Promise<FlagServer> {
  const server = await listen(options, port, note, defaultPort);
  const { host } = server;
  if (!isLoopbackHost(host)) {
    note(
      `warning: listening on ${host}, not loopback: other machines can reach the flags, the API keys printed here and, ` +
        `with the admin key, the toggle route. Use --host 127.0.0.1 unless that is what you want.`,
    );
  }
  return server;
}

async function listen(
  options: Omit<ServerOptions, 'port'>,
  port: number | undefined,
  note: (message: string) => void,
  defaultPort: number,
): Promise<FlagServer> {
  if (port !== undefined) {
    try {
      return await startServer({ ...options, port });
    } catch (error) {
      if (!inUse(error)) throw error;
      throw new UsageError(`port ${port} is in use; choose another with --port <n>, or --port 0 for any free port`);
    }
  }
  for (let candidate = defaultPort; candidate < defaultPort + PORT_ATTEMPTS; candidate++) {
    try {
      const server = await startServer({ ...options, port: candidate });
      if (candidate !== defaultPort) note(`port ${defaultPort} is in use; listening on ${candidate} instead (choose one with --port)`);
      return server;
    } catch (error) {
      if (!inUse(error)) throw error;
    }
  }
  const server = await startServer({ ...options, port: 0 });
  note(`ports ${defaultPort}–${defaultPort + PORT_ATTEMPTS - 1} are in use; listening on ${server.port} instead (choose one with --port)`);
  return server;
}

function inUse(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
}
