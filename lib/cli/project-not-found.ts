/** Telling "no such project (or no flag server at that URL)" apart from "no such flag". */
import { ProjectNotFoundError } from '../errors.js';
import { describeUrl } from '../net/http.js';
import type { Connection } from './connection.js';

/** The error the CLI shows for a Cuttlegate connection whose project the server does not know. */
export function missingProject(connection: Pick<Connection, 'project' | 'serverUrl'>): ProjectNotFoundError {
  return new ProjectNotFoundError(`project not found: "${connection.project}" on ${describeUrl(connection.serverUrl)} (check --project and --server)`);
}

/** Whether a load failed because the project's bulk route does not exist (the transport's `ProjectNotFoundError`). */
export function isMissingProject(error: unknown): boolean {
  return error instanceof ProjectNotFoundError;
}
