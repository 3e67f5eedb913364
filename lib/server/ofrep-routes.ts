/**
 * The OFREP routes (protocol doc §12): bulk and single evaluation and the change stream, scoped by
 * the API key (`Authorization: Bearer <key>` or `X-API-Key: <key>`), with the check order
 * 401 → 403 → 429 → 400 → 404 (single) → 304 (bulk) → 200.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { bearerToken, callerOf, sameScope, type Caller } from './auth.js';
import { rateLimitId, type CuttlegateSettings } from './cuttlegate-routes.js';
import type { EvalInput } from './evaluator.js';
import type { FlagStore } from './flag-store.js';
import { jsonText, readBodyWithin, sendJson, sendJsonText } from './http.js';
import { decodeOfrepContext, ofrepItem, type OfrepFailure, type OfrepSuccessItem } from './ofrep-evaluation.js';
import { ofrepStream, type OfrepChannels } from './ofrep-stream.js';
import { retryAfterText, type OfrepRefetch, type OfrepSwitches } from './ofrep-switches.js';
import { etagOf, matchesEtag } from './rollgate-evaluation.js';
import type { OfrepRoute, RouteParams } from './routes.js';
import type { StreamHub } from './stream-hub.js';

/** What the handlers work with. */
export interface OfrepDeps {
  store: FlagStore;
  hub: StreamHub;
  /** Shared with the Cuttlegate routes: the body limit and the fixed-window rate limit. */
  settings: CuttlegateSettings;
  switches: OfrepSwitches;
  channels: OfrepChannels;
  /** Event metadata received on bulk requests, oldest first (appended to). */
  refetches: OfrepRefetch[];
  /** Called with the decoded context of each evaluation request (for the request log). */
  onContext(input: EvalInput): void;
}

type Handler = (deps: OfrepDeps, req: IncomingMessage, res: ServerResponse, params: RouteParams) => Promise<void>;

/** The stream path; the channel token is appended. */
const STREAM_PATH = '/ofrep/v1/stream';

/** A status without a body (401, 403, 429, 304 carry none). */
function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'Content-Length': 0 });
  res.end();
}

/** The caller of a request: a bearer token, else `X-API-Key`, else `token` (a stream channel's key). */
function callerOfRequest(deps: OfrepDeps, req: IncomingMessage, token?: string): Caller | undefined {
  const apiKeyHeader = req.headers['x-api-key'];
  const headerKey = typeof apiKeyHeader === 'string' ? apiKeyHeader : undefined;
  return callerOf(bearerToken(req.headers.authorization), deps.store) ?? callerOf(headerKey, deps.store) ?? callerOf(token, deps.store);
}

/** A caller holding an API key (and so a project and environment). */
type KeyCaller = Extract<Caller, { kind: 'api-key' }>;

/** 401 for no or an unknown key, 403 for the admin key (valid, but it selects no environment). */
function admitCaller(caller: Caller | undefined, res: ServerResponse): KeyCaller | undefined {
  if (caller === undefined) return void sendEmpty(res, 401);
  if (caller.kind === 'admin') return void sendEmpty(res, 403);
  return caller;
}

/**
 * Checks shared by both evaluation routes, in order: delay, 401, 403, (event metadata recorded),
 * 429, body → 400. Returns the caller's scope and decoded input, or undefined once a response has
 * been sent. `flagKey` is set for the single route (its 400 body names the key).
 */
async function admitEvaluation(
  deps: OfrepDeps,
  req: IncomingMessage,
  res: ServerResponse,
  flagKey?: string,
): Promise<{ caller: KeyCaller; input: EvalInput } | undefined> {
  const { switches, settings } = deps;
  if (switches.delayMs) await sleep(switches.delayMs);
  if (res.destroyed) return undefined;
  const caller = admitCaller(callerOfRequest(deps, req), res);
  if (caller === undefined) return undefined;
  if (flagKey === undefined) recordRefetch(deps, queryOf(req));
  if (switches.retryAfter !== undefined) return void sendEmpty(res, 429, { 'Retry-After': retryAfterText(switches.retryAfter) });
  const { limiter } = settings;
  if (limiter !== undefined && !limiter.take(rateLimitId(caller, limiter.options.perKey))) {
    return void sendEmpty(res, 429, { 'Retry-After': String(limiter.retryAfterSeconds) });
  }
  const body = await readBodyWithin(req, settings.maxBodyBytes, (message) =>
    sendJson(res, 413, { errorCode: 'GENERAL', errorDetails: message }, { Connection: 'close' }),
  );
  if (body === undefined) return undefined;
  const decoded = decodeOfrepContext(body, switches.requireTargetingKey ?? false);
  if (!decoded.ok) {
    const failure: OfrepFailure = { errorCode: decoded.errorCode, errorDetails: decoded.message };
    return void sendJson(res, 400, flagKey === undefined ? failure : { key: flagKey, ...failure });
  }
  deps.onContext(decoded.value);
  return { caller, input: decoded.value };
}

function queryOf(req: IncomingMessage): URLSearchParams {
  return new URL(req.url ?? '/', 'http://localhost').searchParams;
}

/** Keep `flagConfigEtag` (and `flagConfigLastModified`) of an event-triggered bulk request. */
function recordRefetch(deps: OfrepDeps, query: URLSearchParams): void {
  const flagConfigEtag = query.get('flagConfigEtag');
  if (flagConfigEtag === null) return;
  const lastModified = query.get('flagConfigLastModified');
  deps.refetches.push(lastModified === null ? { flagConfigEtag } : { flagConfigEtag, flagConfigLastModified: lastModified });
}

/** A forced failure item for a flag named in the `failingFlags` switch, else undefined. */
function forcedFailure(switches: OfrepSwitches, key: string): OfrepFailure | undefined {
  const errorCode = switches.failingFlags?.[key];
  return errorCode === undefined ? undefined : { key, errorCode, errorDetails: 'forced failure (test switch)' };
}

/** `POST /ofrep/v1/evaluate/flags`: every flag of the key's project, in file order, with a per-context ETag. */
const bulk: Handler = async (deps, req, res) => {
  const admitted = await admitEvaluation(deps, req, res);
  if (admitted === undefined) return;
  const { caller, input } = admitted;
  const { switches } = deps;
  const failStatus = switches.refetchFailureStatus;
  if (failStatus !== undefined && queryOf(req).has('flagConfigEtag')) {
    return sendJson(res, failStatus, { errorDetails: 'not caught up with that configuration yet (test switch)' });
  }
  const mapping = { disabledServesDefault: switches.disabledServesDefault ?? false };
  const flags: (OfrepSuccessItem | OfrepFailure)[] = deps.store
    .evaluateAll(caller.scope.project, caller.scope.environment, input)
    .map((evaluation) => forcedFailure(switches, evaluation.key) ?? ofrepItem(evaluation, mapping));
  const channel = deps.channels.tokenFor(caller.key);
  const text = jsonText({
    flags,
    metadata: { project: caller.scope.project, environment: caller.scope.environment },
    eventStreams: [{ type: 'sse', endpoint: { requestUri: `${STREAM_PATH}?channel=${channel}` } }],
  });
  const etag = etagOf(text);
  if (matchesEtag(req.headers['if-none-match'], etag)) return sendEmpty(res, 304, { ETag: etag });
  sendJsonText(res, 200, text, { ETag: etag });
};

/** `POST /ofrep/v1/evaluate/flags/{key}`: one flag; 404 `FLAG_NOT_FOUND` when the project has none by that key. */
const single: Handler = async (deps, req, res, { flagKey }) => {
  const admitted = await admitEvaluation(deps, req, res, flagKey);
  if (admitted === undefined) return;
  const { scope } = admitted.caller;
  const evaluation = deps.store.evaluate(scope.project, scope.environment, flagKey, admitted.input);
  if (evaluation === undefined) return sendJson(res, 404, { key: flagKey, errorCode: 'FLAG_NOT_FOUND', errorDetails: `no flag ${flagKey}` });
  const failure = forcedFailure(deps.switches, flagKey);
  if (failure !== undefined) return sendJson(res, 400, failure);
  sendJson(res, 200, ofrepItem(evaluation, { disabledServesDefault: deps.switches.disabledServesDefault ?? false }));
};

/**
 * `GET /ofrep/v1/stream?channel=<token>`: SSE. The channel token (from the bulk response's
 * `eventStreams`) authenticates without headers; `Authorization`/`X-API-Key` work too.
 */
const stream: Handler = async (deps, req, res) => {
  const channel = queryOf(req).get('channel');
  const callerNow = (): Caller | undefined => callerOfRequest(deps, req, channel === null ? undefined : deps.channels.keyOf(channel));
  const caller = admitCaller(callerNow(), res);
  if (caller === undefined) return;
  const admits = (): boolean => {
    const now = callerNow();
    return now?.kind === 'api-key' && sameScope(now.scope, caller.scope);
  };
  deps.hub.open(res, caller.scope.project, caller.scope.environment, ofrepStream, admits);
};

/** Handlers by route name. */
export const ofrepHandlers: Readonly<Record<OfrepRoute, Handler>> = {
  'ofrep-bulk': bulk,
  'ofrep-single': single,
  'ofrep-stream': stream,
};
