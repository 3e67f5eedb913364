/** The CLI's exit codes, and which error gives which. */
import { AuthError, FlagNotFoundError, NetworkError, ProjectNotFoundError, TimeoutError } from '../errors.js';

/** Exit codes shared by every command. */
export const ExitCode = {
  ok: 0,
  /** Any other failure: invalid flags file, server error, bad response. */
  failure: 1,
  /** Bad command line. */
  usage: 2,
  /** The flag does not exist (or the project is unknown). */
  notFound: 3,
  /** The API key was rejected (401) or is not allowed here (403). */
  auth: 4,
  /** The server could not be reached, or did not answer in time. */
  unreachable: 5,
} as const;

/** The exit code for a failure. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof FlagNotFoundError || error instanceof ProjectNotFoundError) return ExitCode.notFound;
  if (error instanceof AuthError) return ExitCode.auth;
  if (error instanceof NetworkError || error instanceof TimeoutError) return ExitCode.unreachable;
  return ExitCode.failure;
}

/** The exit-code table for help texts. */
export const exitCodeHelp = `Exit codes:
  0  success
  1  other failure (server error, invalid response)
  2  bad command line
  3  flag or project not found
  4  API key rejected (HTTP 401/403)
  5  server unreachable or timed out`;
