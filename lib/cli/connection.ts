/**
 * Where and for whom a client command evaluates: protocol, server, API key, project, environment
 * (from options, else `FLAGSTREAM_*` environment variables) and the evaluation context.
 */
import { ConfigError } from '../errors.js';
import { describeUrl } from '../net/http.js';
import { cuttlegate } from '../transports/cuttlegate/index.js';
import { ofrep } from '../transports/ofrep/index.js';
import type { Transport } from '../transports/transport.js';
import type { EvalContext } from '../types.js';
import { UsageError } from './command.js';
import { missingProject } from './project-not-found.js';

/** `parseArgs` specs of the connection and context options. */
export const connectionOptions = {
  protocol: { type: 'string' },
  server: { type: 'string' },
  key: { type: 'string' },
  project: { type: 'string' },
  env: { type: 'string' },
  'user-id': { type: 'string' },
  attr: { type: 'string', multiple: true },
} as const;

/** Help text for {@link connectionOptions}. */
export const connectionHelp = `Connection (an option wins over its environment variable):
  --protocol <name>    cuttlegate (default) or ofrep         FLAGSTREAM_PROTOCOL
  --server <url>       server root URL                       FLAGSTREAM_URL
  --key <api-key>      API key scoped to the environment     FLAGSTREAM_API_KEY
  --project <slug>     project slug                          FLAGSTREAM_PROJECT
  --env <slug>         environment slug                      FLAGSTREAM_ENV
  With --protocol ofrep, --server is the OFREP base URL (the part before /ofrep; default
  OFREP_ENDPOINT), --key is optional (sent as a Bearer token; OFREP_HEADERS adds headers),
  and --project/--env are not used: the server knows them from the key.

Context:
  --user-id <id>       user id (default: anonymous)
  --attr <name=value>  targeting attribute; repeat for more`;

/** Parsed values of {@link connectionOptions}. */
export interface ConnectionArgs {
  protocol?: string;
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
  return usage(Object.fromEntries(SOURCES.map(([field, option]) => [field, option])), () => cuttlegate(connection));
}

/** `project/environment as user "id"` (or `anonymous`), for headers. Never includes the key. */
export function describeTarget(connection: Pick<Connection, 'project' | 'environment'>, context: EvalContext): string {
  return `${connection.project}/${connection.environment} for ${describeContext(context)}`;
}

/** `user "id" (name=value, …)` or `an anonymous user`. */
function describeContext(context: EvalContext): string {
  const who = context.userId ? `user ${JSON.stringify(context.userId)}` : 'an anonymous user';
  const attributes = Object.entries(context.attributes ?? {}).map(([name, value]) => `${name}=${String(value)}`);
  return `${who}${attributes.length > 0 ? ` (${attributes.join(', ')})` : ''}`;
}

/** What a client command talks to: the transport, and how to name the target in a header. */
export interface ClientTarget {
  transport: Transport;
  /** Server root (no credentials, no query). */
  server: string;
  /** `where for whom`, never the key. */
  describe(context: EvalContext): string;
  /** The error to show when the server does not know the project (protocols that name one). */
  missingProject?: () => Error;
}

/**
 * The target of `eval` and `watch`: `--protocol` (or `FLAGSTREAM_PROTOCOL`) picks Cuttlegate
 * (default) or OFREP. `timeoutMs` is the command's own timeout, which wins over `OFREP_TIMEOUT_MS`.
 */
export function resolveTarget(args: ConnectionArgs, options: { timeoutMs?: number } = {}, env: NodeJS.ProcessEnv = process.env): ClientTarget {
  const protocol = args.protocol ?? env.FLAGSTREAM_PROTOCOL ?? 'cuttlegate';
  if (protocol === 'cuttlegate') {
    const connection = resolveConnection(args, env);
    return {
      transport: transportFor(connection),
      server: connection.serverUrl,
      describe: (context) => describeTarget(connection, context),
      missingProject: () => missingProject(connection),
    };
  }
  if (protocol !== 'ofrep') throw new UsageError(`--protocol must be cuttlegate or ofrep, got "${protocol}"`);
  for (const option of ['project', 'env'] as const) {
    if (args[option] !== undefined) throw new UsageError(`--${option} is not used with --protocol ofrep (the server knows it from the key)`);
  }
  const baseUrl = args.server ?? (env.FLAGSTREAM_URL || undefined);
  if (baseUrl === undefined && !env.OFREP_ENDPOINT) throw new UsageError('missing --server (or FLAGSTREAM_URL, or OFREP_ENDPOINT)');
  const apiKey = args.key ?? (env.FLAGSTREAM_API_KEY || undefined);
  const transport = usage({ baseUrl: 'server', apiKey: 'key', timeoutMs: 'timeout-ms' }, () =>
    ofrep({ baseUrl, apiKey, timeoutMs: options.timeoutMs, changeDetection: 'sse' }),
  );
  const base = baseUrl ?? env.OFREP_ENDPOINT ?? '';
  return { transport, server: describeUrl(base).replace(/\/$/, ''), describe: (context) => `OFREP for ${describeContext(context)}` };
}

/** Runs `create`, turning a `ConfigError` into a `UsageError` naming the command-line option of its field. */
function usage<T>(options: Record<string, string>, create: () => T): T {
  try {
    return create();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const option = options[error.field];
    const detail = error.message.slice(error.field.length + 2);
    throw new UsageError(option === undefined ? error.message : `--${option}: ${detail}`);
  }
}
