/**
 * The Rollgate routes: the boolean (v1, ETag/304) and typed (v2) flag maps, identify, the SSE
 * stream, the events and telemetry sinks, and their admin read-back. The API key alone selects
 * the project and environment (each key of the flags file is scoped to one).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerToken, isAdmin, sameScope } from './auth.js';
import type { EvalInput } from './evaluator.js';
import type { FlagStore, KeyScope } from './flag-store.js';
import { jsonText, readBodyWithin, sendJson, sendJsonText } from './http.js';
import { decodeIdentify, evalInput, userFromHeaders, type Identities } from './identities.js';
import { etagOf, isOn, matchesEtag, v1Body, v2Body } from './rollgate-evaluation.js';
import { decodeEvents, decodeTelemetry, type TrackingSink } from './rollgate-tracking.js';
import type { RollgateRoute } from './routes.js';
import { sseFrame, type StreamHub, type StreamProtocol } from './stream-hub.js';

/** What the handlers work with. */
export interface RollgateDeps {
  store: FlagStore;
  hub: StreamHub;
  identities: Identities;
  tracking: TrackingSink;
  maxBodyBytes: number;
  /** Called with the evaluation input of each flag request (for the request log). */
  onContext(input: EvalInput): void;
}

type Handler = (deps: RollgateDeps, req: IncomingMessage, res: ServerResponse) => Promise<void>;

const ERROR_CODES: Readonly<Record<number, readonly [code: string, category: string]>> = {
  400: ['VAL_001', 'VALIDATION'],
  401: ['AUTH_001', 'AUTH'],
  405: ['VAL_002', 'VALIDATION'],
  413: ['VAL_003', 'VALIDATION'],
};

/** A hosted-Rollgate-style error: `{"error":{"code","category","message","retryable"}}`. */
export function sendRollgateError(res: ServerResponse, status: number, message: string, headers?: Record<string, string>): void {
  const [code, category] = ERROR_CODES[status] ?? ['INTERNAL_001', 'INTERNAL'];
  sendJson(res, status, { error: { code, category, message, retryable: status >= 500 || status === 429 } }, headers);
}

const unauthorized = (res: ServerResponse): void => sendRollgateError(res, 401, 'Invalid API key');

function queryOf(req: IncomingMessage): URLSearchParams {
  return new URL(req.url ?? '/', 'http://localhost').searchParams;
}

/**
 * The scope of the caller's API key: `Authorization: Bearer <key>` or the bare key (as the
 * Rollgate mock accepts), else `queryToken` (the stream's `token`). The admin key has no scope.
 */
function keyScope(store: FlagStore, req: IncomingMessage, queryToken?: string | null): KeyScope | undefined {
  const header = req.headers.authorization;
  const token = bearerToken(header) ?? (header !== undefined && !header.includes(' ') ? header : undefined) ?? queryToken;
  return token ? store.scopeOf(token) : undefined;
}

/** Read a body within the limit; undefined once a 413 has been sent. */
function readBodyOr413(deps: RollgateDeps, req: IncomingMessage, res: ServerResponse): Promise<string | undefined> {
  return readBodyWithin(req, deps.maxBodyBytes, (message) => sendRollgateError(res, 413, message, { Connection: 'close' }));
}

/**
 * The evaluation input of a flag request: the user its `X-User-Context` (or `X-User-ID`) header
 * names, whole, as Rollgate reads it; else `?user_id=` with that user's identify record.
 */
function inputOf(deps: RollgateDeps, req: IncomingMessage, query: URLSearchParams): EvalInput {
  const fromHeaders = userFromHeaders(req.headers);
  const input = fromHeaders === undefined ? deps.identities.input(query.get('user_id') ?? '') : evalInput(fromHeaders);
  deps.onContext(input);
  return input;
}

/** `GET /api/v1/sdk/flags?user_id=…&withReasons=true` (or a user in the headers): the v1 map; ETag over the body (reasons included), `If-None-Match` → 304. */
const flags: Handler = async (deps, req, res) => {
  const scope = keyScope(deps.store, req);
  if (scope === undefined) return unauthorized(res);
  const query = queryOf(req);
  const evaluations = deps.store.evaluateAll(scope.project, scope.environment, inputOf(deps, req, query));
  const text = jsonText(v1Body(evaluations, query.get('withReasons') === 'true'));
  const etag = etagOf(text);
  if (matchesEtag(req.headers['if-none-match'], etag)) {
    res.writeHead(304, { ETag: etag });
    return void res.end();
  }
  sendJsonText(res, 200, text, { ETag: etag });
};

/** `GET /api/v1/sdk/v2/flags?user_id=…`: typed values with reasons; no ETag. */
const flagsV2: Handler = async (deps, req, res) => {
  const scope = keyScope(deps.store, req);
  if (scope === undefined) return unauthorized(res);
  sendJson(res, 200, v2Body(deps.store.evaluateAll(scope.project, scope.environment, inputOf(deps, req, queryOf(req)))));
};

/**
 * `GET /api/v1/sdk/stream?token=…&user_id=…` (or `Authorization: Bearer`): `event: init` with the
 * v1 map on connect, then one `event: flag-changed` `{"key","enabled"}` per changed flag (enabled
 * = on for this user, evaluated after the change is live), and `: ping` every 15 s.
 */
const stream: Handler = async (deps, req, res) => {
  const query = queryOf(req);
  const scope = keyScope(deps.store, req, query.get('token'));
  if (scope === undefined) return unauthorized(res);
  const userId = query.get('user_id') ?? '';
  const { store, identities } = deps;
  const protocol: StreamProtocol = {
    heartbeat: 'ping',
    defaultHeartbeatMs: 15_000,
    initial: sseFrame(v1Body(store.evaluateAll(scope.project, scope.environment, identities.input(userId)), false), 'init'),
    frame(change) {
      const evaluation = store.evaluate(change.project, change.environment, change.flagKey, identities.input(userId));
      return sseFrame({ key: change.flagKey, enabled: evaluation !== undefined && isOn(evaluation) }, 'flag-changed');
    },
  };
  deps.hub.open(res, scope.project, scope.environment, protocol, () => sameScope(keyScope(store, req, query.get('token')), scope));
};

/** `POST /api/v1/sdk/identify` `{"user":{"id","email","attributes"}}`: replaces the user's record. */
const identify: Handler = async (deps, req, res) => {
  if (keyScope(deps.store, req) === undefined) return unauthorized(res);
  const body = await readBodyOr413(deps, req, res);
  if (body === undefined) return;
  const decoded = decodeIdentify(body);
  if (!decoded.ok) return sendRollgateError(res, 400, decoded.message);
  deps.identities.identify(decoded.value);
  sendJson(res, 200, { success: true });
};

/** `POST /api/v1/sdk/events` `{"events":[…]}` → `{"received":n}`. */
const events: Handler = async (deps, req, res) => {
  const scope = keyScope(deps.store, req);
  if (scope === undefined) return unauthorized(res);
  const body = await readBodyOr413(deps, req, res);
  if (body === undefined) return;
  const decoded = decodeEvents(body);
  if (!decoded.ok) return sendRollgateError(res, 400, decoded.message);
  const receivedAt = new Date().toISOString();
  deps.tracking.events.push(...decoded.value.map((event) => ({ ...event, ...scope, receivedAt })));
  sendJson(res, 200, { received: decoded.value.length });
};

/** `POST /api/v1/sdk/telemetry` `{"evaluations":{…},"period_ms":n}` → `{"received": sum of totals}`. */
const telemetry: Handler = async (deps, req, res) => {
  const scope = keyScope(deps.store, req);
  if (scope === undefined) return unauthorized(res);
  const body = await readBodyOr413(deps, req, res);
  if (body === undefined) return;
  const decoded = decodeTelemetry(body);
  if (!decoded.ok) return sendRollgateError(res, 400, decoded.message);
  deps.tracking.telemetry.push({ ...decoded.value, ...scope, receivedAt: new Date().toISOString() });
  const received = Object.values(decoded.value.evaluations).reduce((sum, counts) => sum + counts.total, 0);
  sendJson(res, 200, { received });
};

/** `GET|DELETE /api/v1/test/{events|telemetry}` with the admin key: read back (`{events|telemetry, count}`) or clear. */
function readBack(which: 'events' | 'telemetry'): Handler {
  return async (deps, req, res) => {
    if (!isAdmin(req.headers.authorization, deps.store)) return unauthorized(res);
    if (req.method === 'DELETE') deps.tracking.clear(which);
    const items = deps.tracking[which];
    sendJson(res, 200, { [which]: items, count: items.length });
  };
}

/** Handlers by route name. */
export const rollgateHandlers: Readonly<Record<RollgateRoute, Handler>> = {
  'rollgate-flags': flags,
  'rollgate-flags-v2': flagsV2,
  'rollgate-stream': stream,
  'rollgate-identify': identify,
  'rollgate-events': events,
  'rollgate-telemetry': telemetry,
  'rollgate-test-events': readBack('events'),
  'rollgate-test-telemetry': readBack('telemetry'),
};
