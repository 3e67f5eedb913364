import { concatMap, map, type Observable } from 'rxjs';
import { ConfigError, FlagNotFoundError, ProjectNotFoundError } from '../../errors.js';
import { httpJson, wireErrorCode } from '../../net/http.js';
import { sse } from '../../net/sse.js';
import type { EvalContext } from '../../types.js';
import type { LoadOptions, LoadResult, StreamMessage, Transport, TransportRuntime, TransportSession } from '../transport.js';
import { checkKeys, requireHttpUrl, requireString } from '../config.js';
import { numberOption } from '../../client/number-options.js';
import { transportIdentity } from '../identity.js';
import { bulkResults, changeMessages, requestBody, toEvalResult, type JsonTexts } from './wire.js';

/** Options of the {@link cuttlegate} transport. */
export interface CuttlegateOptions {
  /** Server root, e.g. `https://flags.example.com`. */
  serverUrl: string;
  /** API key (`cg_…`), scoped to one project and environment. Never logged. */
  apiKey: string;
  /** Project slug. */
  project: string;
  /** Environment slug. */
  environment: string;
  /** Silence on the stream after which it counts as dead, ms (default 90 000: three heartbeats). */
  watchdogMs?: number;
}

const SLUG = /^[a-z0-9][a-z0-9-]*$/;

/**
 * The Cuttlegate transport: one bulk `POST …/evaluate` per load, the `flags/stream` SSE feed with
 * header auth, and the single-flag route for `evaluateFor`. Validates its options synchronously.
 */
export function cuttlegate(config: CuttlegateOptions): Transport {
  const options: Partial<CuttlegateOptions> = config ?? {};
  checkKeys(options, ['serverUrl', 'apiKey', 'project', 'environment', 'watchdogMs']);
  const serverUrl = requireHttpUrl(options.serverUrl, 'serverUrl');
  const apiKey = requireString(options.apiKey, 'apiKey');
  const [project, environment] = (['project', 'environment'] as const).map((field) => {
    const slug = options[field];
    if (typeof slug !== 'string' || !SLUG.test(slug)) throw new ConfigError(field, `is required, a slug (${SLUG.source})`);
    return slug;
  }) as [string, string];
  const watchdogMs = numberOption(options, 'watchdogMs', 90_000);

  // Slugs need no escaping in a path.
  const base = `${serverUrl}/api/v1/projects/${project}/environments/${environment}`;
  const headers = { Authorization: `Bearer ${apiKey}` };

  return {
    kind: 'cuttlegate',
    identity: transportIdentity('cuttlegate', serverUrl, `${project}/${environment}`),
    connect(runtime: TransportRuntime): TransportSession {
      // Each attribute that cannot be sent is reported once per session, not on every poll.
      const reported = new Set<string>();
      const texts: JsonTexts = { last: new Map(), next: new Map() };
      const warn = (dropped: readonly string[]): void => {
        const fresh = dropped.filter((name) => !reported.has(name) && reported.add(name));
        if (fresh.length > 0) runtime.logger.warn(`cuttlegate: attributes ${fresh.join(', ')} are not strings, numbers or booleans and were not sent`);
      };
      return {
        load(ctx: EvalContext, { oneOff }: LoadOptions): Observable<LoadResult> {
          return httpJson(runtime, { url: `${base}/evaluate`, method: 'POST', headers, json: requestBody(ctx, warn), passStatuses: [404] }).pipe(
            map((response) => {
              if (response.status === 404) {
                const said = `${response.where}: project ${JSON.stringify(project)} not found (HTTP 404)`;
                throw new ProjectNotFoundError(said, wireErrorCode(response.body));
              }
              return { kind: 'flags', ...bulkResults(response.body, response.where, new Date().toISOString(), oneOff ? undefined : texts) };
            }),
          );
        },
        evaluate(key: string, ctx: EvalContext) {
          return httpJson(runtime, { url: `${base}/flags/${encodeURIComponent(key)}/evaluate`, method: 'POST', headers, json: requestBody(ctx, warn), passStatuses: [404] }).pipe(
            map((response) => {
              if (response.status === 404) throw new FlagNotFoundError(key);
              return toEvalResult(response.body, new Date().toISOString(), response.where);
            }),
          );
        },
        stream(): Observable<StreamMessage> {
          return sse(runtime, { url: `${base}/flags/stream`, headers, watchdogMs }).pipe(
            // An array is an observable input: one message, or none.
            concatMap((signal): StreamMessage[] => {
              if (signal.type === 'open') return [{ type: 'connected' }];
              // The wire names no event: a named one (a proxy's heartbeat) is not the protocol's.
              if (signal.event !== 'message') return [];
              const messages = changeMessages(signal.data, [project, environment]);
              if (!messages) runtime.logger.warn('cuttlegate: ignored a stream frame that is not a JSON event');
              return messages ?? [];
            }),
          );
        },
      };
    },
  };
}
