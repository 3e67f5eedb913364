import { EMPTY, Observable, catchError, concatMap, defer, map, of, switchMap, tap, throwError } from 'rxjs';
import { FlagNotFoundError, InvalidResponseError } from '../../errors.js';
import { describeUrl, httpJson } from '../../net/http.js';
import { sse } from '../../net/sse.js';
import type { EvalContext, EvalResult } from '../../types.js';
import { checkKeys, requireHttpUrl, requireString } from '../config.js';
import { keySelector, transportIdentity } from '../identity.js';
import { redact } from '../redact.js';
import type { InvalidFlag, LoadOptions, LoadResult, StreamMessage, Transport, TransportRuntime, TransportSession } from '../transport.js';
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
import { batchedTracking } from '../../client/features/client-tracking.js';
import { contextKey } from '../../client/context-key.js';
import { numberOption } from '../../client/number-options.js';

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
  /**
   * After `/v2/flags` answered 404 (a server without typed values), how long to use `/flags` only
   * before asking `/v2/flags` again, ms (default 600 000). A 404 during a deploy does not turn
   * typed values off for the client's life.
   */
  typedReprobeMs?: number;
}

const FLAGS_PATH = '/api/v1/sdk/flags';
const TYPED_FLAGS_PATH = '/api/v1/sdk/v2/flags';
/** Contexts whose ETag and last results a session remembers. */
const CONTEXT_LIMIT = 100;

/** What a session remembers per context, for `If-None-Match` and for stream `init` frames. */
interface ContextState {
  /** ETag of the last boolean-map response, valid only while `results` came from that response. */
  etag?: string;
  /** The last results loaded for the context. */
  results?: Map<string, EvalResult>;
  /** The entries that load rejected: the client holds their last good values, which an `init` must not replace. */
  invalid?: InvalidFlag[];
  /** The last typed load showed string/number/json flags. */
  typed: boolean;
  /** The number of the latest load (the session counts them as they start) that answered for the context. */
  answered?: number;
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
 * - once a typed load showed booleans only, polls and refreshes go to `/flags` with `If-None-Match`
 *   (per context): an unchanged state costs a bodiless 304; a 200 naming a flag not seen before
 *   (possibly a new typed one) is followed by one typed load;
 * - a load after a stream event or a reconnect goes to `/v2/flags` (to `/flags` unconditionally when
 *   the server lacks it): the boolean map cannot show a flag that turned typed, and its ETag hashes
 *   the booleans only, not the reasons;
 * - a server without `/v2/flags` (404) is told once in the log and served from `/flags` only, until
 *   `typedReprobeMs` has passed; then `/v2/flags` is asked again.
 *
 * One-off loads (`oneOff`, and `evaluate`) send the context in `X-User-Context` instead of relying on
 * an identify record, and touch no session state. A stream `init` that changes the snapshot drops
 * the context's ETag; it leaves the flags the last load rejected held (a boolean cannot restore them).
 */
export function rollgate(config: RollgateOptions): Transport {
  const options: Partial<RollgateOptions> = config ?? {};
  checkKeys(options, ['apiKey', 'baseUrl', 'sseUrl', 'watchdogMs', 'typedReprobeMs']);
  const apiKey = requireString(options.apiKey, 'apiKey');
  const baseUrl = requireHttpUrl(options.baseUrl ?? 'https://api.rollgate.io', 'baseUrl');
  const sseUrl = options.sseUrl === undefined ? baseUrl : requireHttpUrl(options.sseUrl, 'sseUrl');
  const watchdogMs = numberOption(options, 'watchdogMs', 0);
  const typedReprobeMs = numberOption(options, 'typedReprobeMs', 600_000);
  const authorization = { Authorization: `Bearer ${apiKey}` };

  return {
    kind: 'rollgate',
    identity: transportIdentity('rollgate', baseUrl, keySelector(apiKey)),
    tracking: batchedTracking,
    connect(runtime: TransportRuntime): TransportSession {
      const { logger } = runtime;
      const contexts = new Map<string, ContextState>();
      /** Scheduler time until which `/v2/flags` counts as missing (it answered 404); 0 = available. */
      let typedMissingUntil = 0;
      let typedMissingLogged = false;
      /** Loads started by the session (their numbers). */
      let loads = 0;
      const typedEndpoint = (): boolean => runtime.scheduler.now() >= typedMissingUntil;
      const now = (): string => new Date(runtime.scheduler.now()).toISOString();
      const warn = (message: string): void => logger.warn(message);
      /** A POST of `json` to `…/api/v1/sdk/<path>`, its answer ignored. */
      const post = (path: string, json: unknown): Observable<void> =>
        httpJson(runtime, { url: `${baseUrl}/api/v1/sdk/${path}`, method: 'POST', headers: authorization, json }).pipe(map(() => undefined));

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

      /**
       * Records a load's results and ETag in `state` (a one-off's state is thrown away). An ETag is
       * kept only for a fully valid payload, so a 304 never pins entries that were rejected.
       */
      const remember = (state: ContextState, mapped: MappedFlags, etag: string | undefined): LoadResult => {
        state.results = new Map(mapped.flags.map((flag) => [flag.key, flag]));
        state.typed = mapped.typed;
        state.invalid = mapped.invalid;
        state.etag = mapped.invalid.length === 0 ? etag : undefined;
        return { kind: 'flags', flags: mapped.flags, invalid: mapped.invalid };
      };

      /** `/v2/flags`; `undefined` when the server lacks it (asked again after `typedReprobeMs`). */
      const typedLoad = (ctx: EvalContext, oneOff: boolean): Observable<MappedFlags | undefined> => {
        const url = flagsUrl(baseUrl, TYPED_FLAGS_PATH, ctx);
        // A 404 is passed through (not a failed request for the gate): servers answer unknown paths
        // with a plain-text 404, so this server predates typed values.
        return httpJson(runtime, { url, headers: requestHeaders(ctx, oneOff), passStatuses: [404] }).pipe(
          map((response): MappedFlags | undefined => {
            if (response.status === 404) {
              typedMissingUntil = runtime.scheduler.now() + typedReprobeMs;
              if (!typedMissingLogged) {
                typedMissingLogged = true;
                logger.warn(`rollgate: ${describeUrl(url)} answered 404: boolean flags only, string/number/json give defaults; asking again in ${Math.round(typedReprobeMs / 1000)} s`);
              }
              return undefined;
            }
            const mapped = v2Results(response.body, `GET ${describeUrl(url)}`, now());
            typedMissingUntil = 0;
            typedMissingLogged = false;
            return mapped;
          }),
        );
      };

      /** `/flags`, conditional on the context's ETag when `conditional`. */
      const booleanLoad = (ctx: EvalContext, state: ContextState, conditional: boolean, oneOff: boolean): Observable<LoadResult> => {
        const url = flagsUrl(baseUrl, FLAGS_PATH, ctx);
        const where = `GET ${describeUrl(url)}`;
        const etag = conditional ? state.etag : undefined;
        const base = requestHeaders(ctx, oneOff);
        const headers = etag === undefined ? base : { ...base, 'If-None-Match': etag };
        return httpJson(runtime, { url, headers }).pipe(
          switchMap((response): Observable<LoadResult> => {
            if (response.status === 304) {
              if (etag === undefined) throw new InvalidResponseError(`${where}: 304 to an unconditional request`);
              return of({ kind: 'unchanged' });
            }
            const mapped = v1Results(response.body, where, now());
            const known = state.results;
            const unseen = known !== undefined && mapped.flags.some((flag) => !known.has(flag.key));
            if (typedEndpoint() && unseen) return loadTyped(ctx, state, oneOff);
            return of(remember(state, mapped, response.headers.get('etag') ?? undefined));
          }),
        );
      };

      const loadTyped = (ctx: EvalContext, state: ContextState, oneOff: boolean): Observable<LoadResult> =>
        typedLoad(ctx, oneOff).pipe(
          switchMap((mapped) => (mapped ? of(remember(state, mapped, undefined)) : booleanLoad(ctx, state, false, oneOff))),
        );

      /**
       * Headers of a flag request. A one-off carries its whole context in `X-User-Context` (base64
       * JSON `{id, email, attributes}`, rollgate.md §3), so no identify is posted and the server's
       * record for that user id (which the main context's loads and stream use) stays as it is.
       */
      const requestHeaders = (ctx: EvalContext, oneOff: boolean): Record<string, string> => {
        if (!oneOff || !ctx.userId) return authorization;
        const user = (identifyBody(ctx, warn) as { user: unknown }).user;
        return { ...authorization, 'X-User-Context': base64Json(user) };
      };

      const load = (ctx: EvalContext, loadOptions: LoadOptions): Observable<LoadResult> =>
        defer(() => {
          // One-off loads neither use nor update the session's memory.
          const oneOff = loadOptions.oneOff === true;
          const state: ContextState = oneOff ? { typed: true } : stateFor(ctx);
          const number = ++loads;
          const newContext = loadOptions.trigger === 'initial' || loadOptions.trigger === 'identify' || state.results === undefined;
          // After a 404 has aged out, the next load asks `/v2/flags` again whatever the state says.
          const reprobe = typedMissingUntil > 0 && typedEndpoint();
          // After a change signal (an event, a reconnect) only `/v2/flags` shows every change: the
          // boolean map cannot show a flag turned typed, and its ETag hashes the booleans only (a 304
          // would hide a flag switched off for a user already out of its rollout).
          const signalled = loadOptions.hint !== undefined || loadOptions.trigger === 'reconnect';
          return (
            typedEndpoint() && (newContext || state.typed || reprobe || signalled)
              ? loadTyped(ctx, state, oneOff)
              : booleanLoad(ctx, state, loadOptions.conditional !== false && !oneOff && !newContext && !signalled, oneOff)
          ).pipe(tap(() => void (state.answered! > number || (state.answered = number))));
        });

      return {
        load,

        evaluate(key: string, ctx: EvalContext): Observable<EvalResult> {
          return load(ctx, { trigger: 'refresh', conditional: false, oneOff: true }).pipe(
            map((result) => {
              const found = result.kind === 'flags' ? result.flags.find((flag) => flag.key === key) : undefined;
              if (!found) throw new FlagNotFoundError(key);
              return found;
            }),
          );
        },

        identify(ctx: EvalContext): Observable<void> {
          // The server keeps attributes per user id; an anonymous context has nothing to store.
          return ctx.userId ? post('identify', identifyBody(ctx, warn)) : EMPTY;
        },

        stream(ctx: EvalContext): Observable<StreamMessage> {
          const user = ctx.userId ? `&user_id=${encodeURIComponent(ctx.userId)}` : '';
          const url = `${sseUrl}/api/v1/sdk/stream?token=${encodeURIComponent(apiKey)}${user}`;
          /** Loads the session had started when the stream opened. */
          let opened = 0;
          return sse(runtime, { url, watchdogMs }).pipe(
            // The URL carries the key: make sure no error text from below can leak it.
            catchError((error: unknown) => throwError(() => redact(error, [apiKey, encodeURIComponent(apiKey)]))),
            concatMap((signal): Observable<StreamMessage> => {
              if (signal.type === 'open') {
                opened = loads;
                return of({ type: 'connected' });
              }
              // Every event but `init`, whatever its name (`flag-changed`, `flags`, one not known here), is a change
              // signal; `sse` has dropped named keepalives (`heartbeat`, `ping`…) already.
              if (signal.event !== 'init') {
                const key = changedKey(signal.data);
                return of(key === undefined ? { type: 'changed', data: signal.data } : { type: 'changed', key, data: signal.data });
              }
              const init = parseInitFlags(signal.data);
              if (!init) {
                logger.warn('rollgate: ignored an init frame without flags');
                return EMPTY;
              }
              // Every connect already triggers a full refetch; an init that disagrees with the last
              // load corrects the booleans at once (typed values wait for that refetch). The init
              // tells the state at connect: once a load started after that has answered (a proxy
              // held the frame back), it is older than the snapshot and changes nothing.
              const state = contexts.get(contextKey(ctx));
              if (!state?.results || state.answered! > opened) return EMPTY;
              // A held flag's boolean cannot restore its value: it waits for a load that takes it.
              const invalid = state.invalid ?? [];
              for (const { key } of invalid) init.delete(key);
              const merged = mergeInit(state.results, init, now());
              if (!merged.changed) return EMPTY;
              // The snapshot now differs from the response the ETag stands for: a later 304 must
              // not pin these values, so the next boolean load is unconditional.
              state.results = new Map(merged.flags.map((flag) => [flag.key, flag]));
              state.etag = undefined;
              return of({ type: 'flags', flags: merged.flags, invalid });
            }),
          );
        },

        track(events) {
          return post('events', eventsBody(events));
        },

        telemetry(report) {
          return post('telemetry', telemetryBody(report));
        },
      };
    },
  };
}

/** `…/flags?user_id=…&withReasons=true`; no `user_id` for an anonymous context. */
function flagsUrl(baseUrl: string, path: string, ctx: EvalContext): string {
  const user = ctx.userId ? `user_id=${encodeURIComponent(ctx.userId)}&` : '';
  return `${baseUrl}${path}?${user}withReasons=true`;
}

/** Base64 (standard alphabet) of the UTF-8 JSON of `value`, without `Buffer` (browsers too). */
function base64Json(value: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
