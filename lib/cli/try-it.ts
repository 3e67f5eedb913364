/**
 * What `serve` and `dev` print once after the summary: a `curl` for a bulk evaluation and for a
 * toggle, and the client code for the same server and key. The keys printed are the flags
 * file's own (local development) keys.
 */
import type { FlagServer, FlagsDocument } from '../server/index.js';
import { UsageError } from './command.js';
import type { Connection } from './connection.js';
import { shellQuote } from './shell.js';

/** The first environment with an API key (narrowed by `project` / `env`), as a connection to `serverUrl`. */
export function pickConnection(flags: FlagsDocument, serverUrl: string, project?: string, env?: string): Connection {
  const found = findConnection(flags, serverUrl, project, env);
  if (found !== undefined) return found;
  const where = [project && `project "${project}"`, env && `environment "${env}"`].filter(Boolean).join(', ');
  throw new UsageError(`the flags file has no API key${where ? ` for ${where}` : ''} to watch with`);
}

function findConnection(flags: FlagsDocument, serverUrl: string, project?: string, env?: string): Connection | undefined {
  for (const p of flags.projects) {
    if (project !== undefined && p.slug !== project) continue;
    for (const e of p.environments) {
      if (env !== undefined && e.slug !== env) continue;
      const apiKey = e.apiKeys?.[0];
      if (apiKey !== undefined) return { serverUrl, apiKey, project: p.slug, environment: e.slug };
    }
  }
  return undefined;
}

/** Copy-paste lines for `server`, or none when its file has no API key. `connection` defaults to the first environment with a key. */
export function tryItLines(server: Pick<FlagServer, 'url' | 'flags'>, connection = findConnection(server.flags, server.url)): string[] {
  if (connection === undefined) return [];
  const { serverUrl, apiKey, project, environment } = connection;
  const base = `${serverUrl}/api/v1/projects/${project}/environments/${environment}`;
  const q = shellQuote;
  const lines = [
    'Try it:',
    `  curl -s -X POST ${base}/evaluate -H ${q(`Authorization: Bearer ${apiKey}`)} -d '{"context":{"user_id":"alice","attributes":{"plan":"pro"}}}'`,
  ];
  const flag = server.flags.projects.find((p) => p.slug === project)?.flags?.[0];
  const adminKey = server.flags.adminKey;
  if (flag !== undefined && adminKey !== undefined) {
    lines.push(`  curl -s -X PATCH ${base}/flags/${flag.key} -H ${q(`Authorization: Bearer ${adminKey}`)} -d '{"enabled":false}'`);
  }
  lines.push(
    '',
    'In your code:',
    "  import { createFlagClient, cuttlegate } from 'flagstream';",
    '  const client = createFlagClient({',
    `    transport: cuttlegate({ serverUrl: '${serverUrl}', apiKey: '${apiKey}', project: '${project}', environment: '${environment}' }),`,
    "    context: { userId: 'alice', attributes: { plan: 'pro' } },",
    '  });',
    '  await client.ready();',
    ...(flag === undefined ? [] : [`  console.log(client.evaluate('${flag.key}'));`]),
    '  client.close(); // an open client keeps Node running',
  );
  return lines;
}
