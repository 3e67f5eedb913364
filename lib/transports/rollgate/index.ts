import { EMPTY, Observable, catchError, concatMap, defer, map, of, switchMap, throwError } from 'rxjs';
import { ConfigError, FlagNotFoundError, InvalidResponseError, RequestError } from '../../errors.js';
import { describeUrl, httpJson } from '../../net/http.js';
import { sse } from '../../net/sse.js';
import type { EvalContext, EvalResult } from '../../types.js';
import { requireHttpUrl, requireString } from '../config.js';
import { fingerprint } from '../fingerprint.js';
import type { LoadOptions, LoadResult, StreamMessage, Transport, TransportRuntime, TransportSession } from '../transport.js';
import {
  changedKey,
  eventsBody,
  identifyBody,
  mergeInit,
  parseInitFlags,
  telemetryBody,
  v1Results,
  v2Results,
  type MappedFlags,
} from './wire.js';

/** Options of the {@link rollgate} transport. */
export interface RollgateOptions {
  /** Server or client key (`rg_server_…`, `rg_live_…`, …). Never logged. */
  apiKey: string;
  /** API root (default `https://api.rollgate.io`). */
  baseUrl?: string;
  /** Root of the stream endpoint when it differs (default: `baseUrl`). */
  sseUrl?: string;
  /**
   * Silence on the stream after which it counts as dead, ms. Default 0 (off): the protocol sends
   * no heartbeat. Set it (e.g. 45 000) for servers that send `: ping` comments.
   */
  watchdogMs?: number;
}

const FLAGS_PATH = '/api/v1/sdk/flags';
const TYPED_FLAGS_PATH = '/api/v1/sdk/v2/flags';
/** Named stream events; every one but `init` is a change signal (`message` covers unnamed ones). */
const STREAM_EVENTS = ['init', 'flag-changed', 'flag-update', 'flags', 'rules-full'] as const;
/** Contexts whose ETag and last results a session remembers. */
const CONTEXT_LIMIT = 100;

/** What a session remembers per context, for `If-None-Match` and for stream `init` frames. */
interface ContextState {
  /** ETag of the last boolean-map response, valid only while `results` came from that response. */
  etag?: string;
  /** The last results loaded for the context. */
  results?: Map<string, EvalResult>;
  /** The last typed load showed string/number/json flags. */
  typed: boolean;
}

/**
 * The Rollgate transport: flags over `GET /api/v1/sdk/(v2/)flags`, `POST …/identify` before loads
 * of a new context, the `…/sdk/stream` SSE feed (token in the query, as the protocol requires; the
 * URL is never logged with it), and sinks for `track()` events and evaluation telemetry.
 *
 * Streaming follows the client's `streaming` option (default on; Rollgate's own SDKs default to
 * polling). A server without the stream endpoint answers it with an error and the client keeps
 * polling, so SSE is used only where the server supports it.
 *
 * How loads stay cheap. The typed endpoint (`/v2/flags`) carries everything: values of every type,
 * the "on" boolean and the reason, but has no ETag. The boolean endpoint (`/flags`) has ETag/304
 * but only booleans, and its ETag hashes only those booleans, so a change of a string or number
 * value would hide behind a 304. Therefore:
 * - a load for a new context (first load, `identify`) and every load while the flags include typed
 *   ones go to `/v2/flags`: one request, complete, so a cold start is ready after one flag request;
 * - once a typed load showed booleans only, later loads go to `/flags` with `If-None-Match`
 *   (per context): an unchanged state costs a bodiless 304; a 200 naming a flag not seen before
 *   (possibly a new typed one) is followed by one typed load;
 * - a server without `/v2/flags` (404) is told once in the log and served from `/flags` only.
 */
export function rollgate(config: RollgateOptions): Transport {
  const options: Partial<RollgateOptions> = config ?? {};
  const apiKey = requireString(options.apiKey, 'apiKey');
  const baseUrl = requireHttpUrl(options.baseUrl ?? 'https://api.rollgate.io', 'baseUrl');
  const sseUrl = options.sseUrl === undefined ? baseUrl : requireHttpUrl(options.sseUrl, 'sseUrl');
  const watchdogMs = options.watchdogMs ?? 0;
  if (!Number.isFinite(watchdogMs) || watchdogMs < 0) throw new ConfigError('watchdogMs', 'must be a number ≥ 0');
  const authorization = { Authorization: `Bearer ${apiKey}` };

  return {
    kind: 'rollgate',
    identity: `rollgate ${describeUrl(baseUrl)} key:${fingerprint(apiKey)}`,
    connect(runtime: TransportRuntime): TransportSession {
      const { logger } = runtime;
      const contexts = new Map<string, ContextState>();
      let typedEndpoint = true;
      const now = (): string => new Date(runtime.scheduler.now()).toISOString();

      const stateFor = (ctx: EvalContext): ContextState => {
        const key = contextKey(ctx);
        let state = contexts.get(key);
        if (state) {
          contexts.delete(key);
        } else {
          state = { typed: true };
          if (contexts.size >= CONTEXT_LIMIT) contexts.delete(contexts.keys().next().value as string);
        }
        contexts.set(key, state);
        return state;
      };

      const remember = (state: ContextState, flags: EvalResult[], typed: boolean, etag: string | undefined): LoadResult => {
        state.results = new Map(flags.map((flag) => [flag.key, flag]));
        state.typed = typed;
        state.etag = etag;
        return { kind: 'flags', flags };
      };

      /** `/v2/flags`; `undefined` when the server lacks it (then never asked again). */
      const typedLoad = (ctx: EvalContext): Observable<MappedFlags | undefined> => {
        const url = flagsUrl(baseUrl, TYPED_FLAGS_PATH, ctx);
        return httpJson(runtime, { url, headers: authorization }).pipe(
          map((response): MappedFlags | undefined => v2Results(response.body, `GET ${describeUrl(url)}`, now())),
          // Servers answer unknown paths with a plain-text 404: this server predates typed values.
          catchError((error: unknown) => {
            if (!(error instanceof RequestError && error.statusCode === 404)) return throwError(() => error);
            if (typedEndpoint) {
              typedEndpoint = false;
              logger.warn(
                `rollgate: ${describeUrl(url)} is not available (HTTP 404); using boolean flags only, so string(), number() and json() return their defaults`,
              );
            }
            return of(undefined);
          }),
        );
      };

      /** `/flags`, conditional on the context's ETag when `conditional`. */
      const booleanLoad = (ctx: EvalContext, state: ContextState, conditional: boolean): Observable<LoadResult> => {
        const url = flagsUrl(baseUrl, FLAGS_PATH, ctx);
        const where = `GET ${describeUrl(url)}`;
        const etag = conditional ? state.etag : undefined;
        const headers = etag === undefined ? authorization : { ...authorization, 'If-None-Match': etag };
        return httpJson(runtime, { url, headers }).pipe(
          switchMap((response): Observable<LoadResult> => {
            if (response.status === 304) {
              if (etag === undefined) throw new InvalidResponseError(`${where}: 304 to an unconditional request`);
              return of({ kind: 'unchanged' });
            }
            const flags = v1Results(response.body, where, now());
            const known = state.results;
            const unseen = known !== undefined && flags.some((flag) => !known.has(flag.key));
            if (typedEndpoint && unseen) return loadTyped(ctx, state);
            return of(remember(state, flags, false, response.headers.get('etag') ?? undefined));
          }),
        );
      };

      const loadTyped = (ctx: EvalContext, state: ContextState): Observable<LoadResult> =>
        typedLoad(ctx).pipe(
          switchMap((mapped) => (mapped ? of(remember(state, mapped.flags, mapped.typed, undefined)) : booleanLoad(ctx, state, false))),
        );

      const load = (ctx: EvalContext, loadOptions: LoadOptions): Observable<LoadResult> =>
        defer(() => {
          // One-off loads (`conditional: false`) neither use nor update the context's memory.
          const oneOff = loadOptions.conditional === false;
          const state = oneOff ? { typed: true } : stateFor(ctx);
          const newContext = loadOptions.trigger === 'initial' || loadOptions.trigger === 'identify' || state.results === undefined;
          if (typedEndpoint && (newContext || state.typed)) return loadTyped(ctx, state);
          return booleanLoad(ctx, state, !oneOff && !newContext);
        });

      return {
        load,

        evaluate(key: string, ctx: EvalContext): Observable<EvalResult> {
          return load(ctx, { trigger: 'refresh', conditional: false }).pipe(
            map((result) => {
              const found = result.kind === 'flags' ? result.flags.find((flag) => flag.key === key) : undefined;
              if (!found) throw new FlagNotFoundError(key);
              return found;
            }),
          );
        },

        identify(ctx: EvalContext): Observable<void> {
          // The server keeps attributes per user id; an anonymous context has nothing to store.
          if (!ctx.userId) return EMPTY;
          const url = `${baseUrl}/api/v1/sdk/identify`;
          return httpJson(runtime, {
            url,
            method: 'POST',
            headers: authorization,
            json: identifyBody(ctx, (message) => logger.warn(message)),
          }).pipe(map(() => undefined));
        },

        stream(ctx: EvalContext): Observable<StreamMessage> {
          const user = ctx.userId ? `&user_id=${encodeURIComponent(ctx.userId)}` : '';
          const url = `${sseUrl}/api/v1/sdk/stream?token=${encodeURIComponent(apiKey)}${user}`;
          return sse(runtime, { url, events: STREAM_EVENTS, watchdogMs }).pipe(
            // The URL carries the key: make sure no error text from below can leak it.
            catchError((error: unknown) => throwError(() => redact(error, [apiKey, encodeURIComponent(apiKey)]))),
            concatMap((signal): Observable<StreamMessage> => {
              if (signal.type === 'open') return of({ type: 'connected' });
              if (signal.event !== 'init') {
                const key = changedKey(signal.data);
                return of(key === undefined ? { type: 'changed', data: signal.data } : { type: 'changed', key, data: signal.data });
              }
              const init = parseInitFlags(signal.data);
              if (!init) {
                logger.warn('rollgate: ignored a stream init frame without a flags object');
                return EMPTY;
              }
              // Every connect already triggers a full refetch; an init that disagrees with the last
              // load corrects the booleans at once (typed values wait for that refetch).
              const known = contexts.get(contextKey(ctx))?.results;
              if (!known) return EMPTY;
              const merged = mergeInit(known, init, now());
              return merged.changed ? of({ type: 'flags', flags: merged.flags }) : EMPTY;
            }),
          );
        },

        track(events) {
          const url = `${baseUrl}/api/v1/sdk/events`;
          return httpJson(runtime, { url, method: 'POST', headers: authorization, json: eventsBody(events) }).pipe(map(() => undefined));
        },

        telemetry(report) {
          const url = `${baseUrl}/api/v1/sdk/telemetry`;
          return httpJson(runtime, { url, method: 'POST', headers: authorization, json: telemetryBody(report) }).pipe(map(() => undefined));
        },
      };
    },
  };
}

/** Replaces every occurrence of the secrets in an error's message and stack (in place). */
function redact(error: unknown, secrets: readonly string[]): unknown {
  if (!(error instanceof Error)) return error;
  for (const secret of secrets) {
    if (error.message.includes(secret)) error.message = error.message.split(secret).join('[redacted]');
    if (error.stack?.includes(secret)) error.stack = error.stack.split(secret).join('[redacted]');
  }
  return error;
}

/** `…/flags?user_id=…&withReasons=true`; no `user_id` for an anonymous context. */
function flagsUrl(baseUrl: string, path: string, ctx: EvalContext): string {
  const user = ctx.userId ? `user_id=${encodeURIComponent(ctx.userId)}&` : '';
  return `${baseUrl}${path}?${user}withReasons=true`;
}

/** Equal for equal contexts (attribute order does not matter): the server evaluates id + attributes. */
function contextKey(ctx: EvalContext): string {
  const attributes = ctx.attributes ?? {};
  const sorted = Object.keys(attributes)
    .sort()
    .map((name) => [name, attributes[name]]);
  try {
    return JSON.stringify([ctx.userId ?? '', ctx.email ?? '', sorted], (_name, value: unknown) =>
      typeof value === 'bigint' ? value.toString() : value,
    );
  } catch {
    // Circular attributes: they cannot be sent either, so the id alone tells contexts apart.
    return JSON.stringify([ctx.userId ?? '', ctx.email ?? '']);
  }
}
