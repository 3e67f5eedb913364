/** The startup summary of a local server: URL, file, projects with environments and API keys, flag count, admin key. */
import type { FlagServer } from '../server/index.js';

/**
 * Summary lines, the first one `flagstream <command>: listening on <url>`, then the dashboard's
 * address when it is served. Prints the file's own (dev) keys.
 */
export function serverSummary(server: FlagServer, command: string, dashboard = false): string[] {
  const lines = [`flagstream ${command}: listening on ${server.url}`];
  if (dashboard) lines.push(`dashboard: ${server.url}/ (open it in a browser)`);
  lines.push(`flags file: ${server.file} (watching for changes)`);
  for (const project of server.flags.projects) {
    lines.push(`project ${project.slug}`);
    const width = Math.max(...project.environments.map((env) => env.slug.length));
    for (const env of project.environments) {
      const keys = env.apiKeys ?? [];
      lines.push(`  ${env.slug.padEnd(width)}  ${keys.length === 0 ? '(no API keys)' : `API key ${keys.join(', ')}`}`);
    }
  }
  const flagCount = server.flags.projects.reduce((n, project) => n + (project.flags?.length ?? 0), 0);
  lines.push(`${flagCount} flag${flagCount === 1 ? '' : 's'}`);
  if (server.flags.adminKey !== undefined) lines.push(`admin key (toggles): ${server.flags.adminKey}`);
  return lines;
}
