import { BehaviorSubject, Observable, defer, map } from 'rxjs';
import { FlagNotFoundError, InvalidResponseError } from '../../errors.js';
import { describeUrl, httpJson } from '../../net/http.js';
import type { EvalContext, EvalResult } from '../../types.js';
import { headerSelectors, transportIdentity } from '../identity.js';
import type { LoadOptions, LoadResult, StreamMessage, Transport, TransportRuntime, TransportSession } from '../transport.js';
import { processEnv, resolveSettings, type OfrepOptions } from './options.js';
import { changeStream } from './stream.js';
import { bulkFlags, failureError, refetchHint, requestBody, toEvalResult, type OfrepRequest, type RefetchHint } from './wire.js';

export type { ChangeDetection, OfrepOptions } from './options.js';

const BULK_PATH = '/ofrep/v1/evaluate/flags';
/** Contexts whose ETag and event-stream set a session remembers. */
const CONTEXT_LIMIT = 100;
/** Distinct payload warnings a session logs. */
const WARNING_LIMIT = 100;

/** What a session remembers per context: the bulk ETag and the event streams the last 200 advertised. */
interface ContextState {
  etag?: string;
  /** `undefined` until a load for the context has answered. */
  streams: BehaviorSubject<readonly string[] | undefined>;
}

/**
 * The OpenFeature Remote Evaluation Protocol transport: the bulk route for loads (one request
 * readies the client; per-context ETag with `If-None-Match`, 304 → unchanged), the single-flag route
 * for `evaluateFor`, and, with `changeDetection: 'sse'`, the event streams a bulk response
 * advertises (opened after a load, as `streamFollowsLoad` tells the client). Options left out come
 * from `OFREP_ENDPOINT`, `OFREP_HEADERS` and `OFREP_TIMEOUT_MS` where there is a `process`.
 * Validates its options synchronously (`ConfigError` naming the option or variable).
 */
export function ofrep(options: OfrepOptions = {}): Transport {
  const settings = resolveSettings(options ?? {}, processEnv());
  const { baseUrl, headers, changeDetection, watchdogMs } = settings;
  const base = new URL(baseUrl);
  const bulkUrl = `${baseUrl}${BULK_PATH}`;

  return {
    kind: 'ofrep',
    identity: transportIdentity('ofrep', baseUrl, ...headerSelectors(headers)),
    connect(client: TransportRuntime): TransportSession {
      const runtime = settings.timeoutMs === undefined ? client : { ...client, timeoutMs: settings.timeoutMs };
      const { logger } = runtime;
      for (const warning of settings.warnings) logger.warn(warning);
      // Payload warnings (unsendable attributes, malformed eventStreams) would repeat on every load: once each.
      const warned = new Set<string>();
      const warn = (message: string): void => {
        if (warned.has(message) || warned.size >= WARNING_LIMIT) return;
        warned.add(message);
        logger.warn(message);
      };
      const now = (): string => new Date(runtime.scheduler.now()).toISOString();
      const contexts = new Map<string, ContextState>();

      const stateFor = (contextKey: string): ContextState => {
        let state = contexts.get(contextKey);
        if (state) {
          contexts.delete(contextKey);
        } else {
          state = { streams: new BehaviorSubject<readonly string[] | undefined>(undefined) };
          if (contexts.size >= CONTEXT_LIMIT) {
            const [oldest] = contexts.keys();
            contexts.get(oldest!)?.streams.complete();
            contexts.delete(oldest!);
          }
        }
        contexts.set(contextKey, state);
        return state;
      };

      const load = (ctx: EvalContext, loadOptions: LoadOptions): Observable<LoadResult> =>
        defer(() => {
          const body = requestBody(ctx, warn);
          // A one-off (another context's snapshot) neither uses nor changes what the session remembers.
          const state = loadOptions.oneOff === true ? undefined : stateFor(contextKey(body));
          // A first load of a context has no values to keep, so it asks unconditionally, as asked.
          const fresh = loadOptions.trigger === 'initial' || loadOptions.trigger === 'identify' || loadOptions.conditional === false;
          const etag = fresh ? undefined : state?.etag;
          // The event a load carries (whatever else it was batched with) names the configuration it must
          // reflect; an unconditional load (a first one, a resume) asks for the latest as it stands.
          const url = fresh ? bulkUrl : withFlagConfig(bulkUrl, loadOptions);
          const where = `POST ${describeUrl(url)}`;
          const requestHeaders = etag === undefined ? headers : { ...headers, 'If-None-Match': etag };
          return httpJson(runtime, { url, method: 'POST', headers: requestHeaders, json: body, passStatuses: [400] }).pipe(
            map((response): LoadResult => {
              if (response.status === 304) {
                if (etag === undefined) throw new InvalidResponseError(`${where}: 304 to a request without If-None-Match`);
                return { kind: 'unchanged' };
              }
              if (response.status === 400) throw failureError(response.status, response.body, where);
              const mapped = bulkFlags(response.body, where, now(), base.origin, warn);
              if (state) {
                state.etag = response.headers.get('etag') ?? undefined;
                state.streams.next(mapped.eventStreams);
              }
              return { kind: 'flags', flags: mapped.flags, invalid: mapped.invalid };
            }),
          );
        });

      const session: TransportSession = {
        load,

        evaluate(key: string, ctx: EvalContext): Observable<EvalResult> {
          const url = `${baseUrl}${BULK_PATH}/${encodeURIComponent(key)}`;
          const where = `POST ${describeUrl(url)}`;
          return httpJson(runtime, { url, method: 'POST', headers, json: requestBody(ctx, warn), passStatuses: [400, 404] }).pipe(
            map((response) => {
              if (response.status === 404) throw new FlagNotFoundError(key);
              if (response.status === 400) throw failureError(response.status, response.body, where);
              return toEvalResult(response.body, now(), where);
            }),
          );
        },

        close(): void {
          for (const state of contexts.values()) state.streams.complete();
          contexts.clear();
        },
      };
      if (changeDetection !== 'sse') return session;

      const sameOrigin = (url: string): boolean => new URL(url).origin === base.origin;
      return {
        ...session,
        streamFollowsLoad: true,
        stream(ctx: EvalContext): Observable<StreamMessage> {
          return defer(() =>
            changeStream(runtime, stateFor(contextKey(requestBody(ctx, () => undefined))).streams, {
              // The configured headers (the API key among them) go only to the server they were meant for.
              headersFor: (url) => (sameOrigin(url) ? headers : {}),
              watchdogMs,
            }),
          );
        },
      };
    },
  };
}

/** Equal for contexts the server sees as equal: the request body's context (attributes in name order). */
function contextKey(body: OfrepRequest): string {
  return JSON.stringify(body.context);
}

/** `?flagConfigEtag=…&flagConfigLastModified=…` from the stream event the load carries (`hint`), each only if it said. */
function withFlagConfig(url: string, options: LoadOptions): string {
  const { etag, lastModified }: RefetchHint = options.hint?.type === 'changed' ? refetchHint(options.hint.data) : {};
  const query = new URLSearchParams();
  if (etag !== undefined) query.set('flagConfigEtag', etag);
  if (lastModified !== undefined) query.set('flagConfigLastModified', String(lastModified));
  const text = `${query}`;
  return text ? `${url}?${text}` : url;
}
