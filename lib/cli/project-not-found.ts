/** Telling "no such project (or no flag server at that URL)" apart from "no such flag". */
import { FlagstreamError, RequestError } from '../errors.js';
import { describeUrl } from '../net/http.js';
import type { Connection } from './connection.js';

/** The server has no such project, or the URL does not lead to a flag server: the bulk route answered 404. */
export class ProjectNotFoundError extends FlagstreamError {
  constructor(connection: Pick<Connection, 'project' | 'serverUrl'>) {
    super(`project not found: "${connection.project}" on ${describeUrl(connection.serverUrl)} (check --project and --server)`);
  }
}

/** Whether a load failed because the project's bulk route does not exist (HTTP 404). */
export function isMissingProject(error: unknown): boolean {
  return error instanceof RequestError && error.statusCode === 404;
}
