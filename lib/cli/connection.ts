/**
 * Where and for whom a client command evaluates: server, API key, project, environment (from
 * options, else `FLAGSTREAM_*` environment variables) and the evaluation context.
 */
import { ConfigError } from '../errors.js';
import { cuttlegate } from '../transports/cuttlegate/index.js';
import type { Transport } from '../transports/transport.js';
import type { EvalContext } from '../types.js';
import { UsageError } from './command.js';

/** `parseArgs` specs of the connection and context options. */
export const connectionOptions = {
  server: { type: 'string' },
  key: { type: 'string' },
  project: { type: 'string' },
  env: { type: 'string' },
  'user-id': { type: 'string' },
  attr: { type: 'string', multiple: true },
} as const;

/** Help text for {@link connectionOptions}. */
export const connectionHelp = `Connection (an option wins over its environment variable):
  --server <url>       server root URL                       FLAGSTREAM_URL
  --key <api-key>      API key scoped to the environment     FLAGSTREAM_API_KEY
  --project <slug>     project slug                          FLAGSTREAM_PROJECT
  --env <slug>         environment slug                      FLAGSTREAM_ENV

Context:
  --user-id <id>       user id (default: anonymous)
  --attr <name=value>  targeting attribute; repeat for more`;

/** Parsed values of {@link connectionOptions}. */
export interface ConnectionArgs {
  server?: string;
  key?: string;
  project?: string;
  env?: string;
  'user-id'?: string;
  attr?: string[];
}

/** A resolved connection. */
export interface Connection {
  serverUrl: string;
  apiKey: string;
  project: string;
  environment: string;
}

const SOURCES = [
  ['serverUrl', 'server', 'FLAGSTREAM_URL'],
  ['apiKey', 'key', 'FLAGSTREAM_API_KEY'],
  ['project', 'project', 'FLAGSTREAM_PROJECT'],
  ['environment', 'env', 'FLAGSTREAM_ENV'],
] as const;

/** Options first, then the environment; a missing setting is a `UsageError` naming both. */
export function resolveConnection(args: ConnectionArgs, env: NodeJS.ProcessEnv = process.env): Connection {
  const connection: Partial<Connection> = {};
  for (const [field, option, variable] of SOURCES) {
    const value = args[option] ?? env[variable];
    if (value === undefined || value === '') throw new UsageError(`missing --${option} (or ${variable})`);
    connection[field] = value;
  }
  return connection as Connection;
}

/** The evaluation context from `--user-id` and `--attr name=value`. */
export function contextFrom(args: ConnectionArgs): EvalContext {
  const attributes: Record<string, string> = {};
  for (const pair of args.attr ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--attr expects name=value, got "${pair}"`);
    attributes[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return { userId: args['user-id'] ?? '', attributes };
}

/** The Cuttlegate transport for a connection; a rejected setting is a `UsageError` naming its option. */
export function transportFor(connection: Connection): Transport {
  try {
    return cuttlegate(connection);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const option = SOURCES.find(([field]) => field === error.field)?.[1] ?? error.field;
    throw new UsageError(`--${option}: ${error.message.slice(error.field.length + 2)}`);
  }
}

/** `project/environment as user "id"` (or `anonymous`), for headers. Never includes the key. */
export function describeTarget(connection: Pick<Connection, 'project' | 'environment'>, context: EvalContext): string {
  const who = context.userId ? `user ${JSON.stringify(context.userId)}` : 'an anonymous user';
  const attributes = Object.entries(context.attributes ?? {}).map(([name, value]) => `${name}=${String(value)}`);
  return `${connection.project}/${connection.environment} for ${who}${attributes.length > 0 ? ` (${attributes.join(', ')})` : ''}`;
}
