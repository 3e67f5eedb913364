/**
 * The Cuttlegate routes: bulk and single evaluation, the flag-change stream and the toggle, with
 * the reference server's check order (401, unknown project, 429, environment, key scope, body, flag).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate, inScope, type Caller } from './auth.js';
import { decodeEvalRequest, decodeToggleRequest } from './cuttlegate-request.js';
import type { Evaluation, EvalInput } from './evaluator.js';
import type { FlagStateChange, FlagStore } from './flag-store.js';
import { readBodyWithin, sendError, sendJson } from './http.js';
import type { FixedWindowLimiter } from './rate-limit.js';
import type { RouteParams } from './routes.js';
import { sseFrame, type StreamHub, type StreamProtocol } from './stream-hub.js';
import { rfc3339Seconds } from './time.js';

/** Settings the handlers read on every request (some are switchable at runtime). */
export interface CuttlegateSettings {
  unknownProjectStatus: 403 | 404;
  maxBodyBytes: number;
  /** Answer the stream route with the reference commit's 500 `streaming unsupported`. */
  brokenStream: boolean;
  limiter: FixedWindowLimiter | undefined;
}

/** What the handlers work with. */
export interface CuttlegateDeps {
  store: FlagStore;
  hub: StreamHub;
  settings: CuttlegateSettings;
  /** Publish a change to the streams; called after the new state is visible. */
  publish(change: FlagStateChange): void;
  /** Called with the decoded context of each evaluation request (for the request log). */
  onContext(input: EvalInput): void;
}

type Handler = (deps: CuttlegateDeps, req: IncomingMessage, res: ServerResponse, params: RouteParams) => Promise<void>;

const unauthorized = (res: ServerResponse): void => sendError(res, 401, 'unauthorized', 'authentication required');
const forbidden = (res: ServerResponse, detail?: string): void =>
  sendError(res, 403, 'forbidden', detail === undefined ? 'access denied' : `access denied: ${detail}`);

/**
 * Why an API key may not use this environment, naming where the key belongs (never the key): a wrong
 * environment slug otherwise reads like a bad key. The error code stays the reference's `forbidden`.
 */
function outOfScope(caller: Caller, project: string, environment: string, exists: boolean): string | undefined {
  if (caller.kind !== 'api-key') return undefined;
  const asked = exists ? `${project}/${environment}` : `${project}/${environment} (no such environment)`;
  return `this API key belongs to ${caller.scope.project}/${caller.scope.environment}, not ${asked}`;
}
const notFound = (res: ServerResponse): void => sendError(res, 404, 'not_found', 'resource not found');

function unknownProject(deps: CuttlegateDeps, res: ServerResponse): void {
  if (deps.settings.unknownProjectStatus === 403) forbidden(res);
  else notFound(res);
}

/** The Cuttlegate stream: no initial event, `: keep-alive` every 30 s, one `flag.state_changed` per change. */
const cuttlegateStream: StreamProtocol = {
  heartbeat: 'keep-alive',
  defaultHeartbeatMs: 30_000,
  frame: (change) =>
    sseFrame({
      type: 'flag.state_changed',
      project: change.project,
      environment: change.environment,
      flag_key: change.flagKey,
      enabled: change.enabled,
      occurred_at: rfc3339Seconds(new Date()),
    }),
};

/** The wire form of one evaluation, fields in the reference order. */
function wireFlag(evaluation: Evaluation): Record<string, unknown> {
  return {
    key: evaluation.key,
    enabled: evaluation.enabled,
    value: evaluation.type === 'bool' ? null : evaluation.variant,
    value_key: evaluation.variant,
    reason: evaluation.reason,
    type: evaluation.type,
  };
}

/**
 * Checks shared by both evaluation routes, in the reference order. Returns the decoded input, or
 * undefined once an error response has been sent.
 */
async function admitEvaluation(
  deps: CuttlegateDeps,
  req: IncomingMessage,
  res: ServerResponse,
  { project, environment }: RouteParams,
): Promise<EvalInput | undefined> {
  const { store, settings } = deps;
  const caller = authenticate(req.headers.authorization, store);
  if (caller === undefined) return void unauthorized(res);
  if (!store.hasProject(project)) return void unknownProject(deps, res);
  if (settings.limiter !== undefined && !settings.limiter.take(rateLimitId(caller, settings.limiter.options.perKey))) {
    res.writeHead(429, { 'Retry-After': String(settings.limiter.retryAfterSeconds), 'Content-Length': 0 });
    return void res.end();
  }
  const exists = store.hasEnvironment(project, environment);
  if (!exists || !inScope(caller, project, environment)) return void forbidden(res, outOfScope(caller, project, environment, exists));
  const body = await readBodyOr413(req, res, settings.maxBodyBytes);
  if (body === undefined) return undefined;
  const decoded = decodeEvalRequest(body);
  if (!decoded.ok) return void sendError(res, 400, 'bad_request', decoded.message);
  deps.onContext(decoded.value);
  return decoded.value;
}

/** All API keys share one bucket unless `perKey`; the admin key has its own. */
export function rateLimitId(caller: Caller, perKey: boolean | undefined): string {
  if (caller.kind === 'admin') return 'admin';
  return perKey ? `key:${caller.key}` : 'api-keys';
}

function readBodyOr413(req: IncomingMessage, res: ServerResponse, limit: number): Promise<string | undefined> {
  return readBodyWithin(req, limit, (message) => sendError(res, 413, 'payload_too_large', message, { Connection: 'close' }));
}

/** `POST …/evaluate`: every flag of the project, in file order. */
const bulk: Handler = async (deps, req, res, params) => {
  const input = await admitEvaluation(deps, req, res, params);
  if (input === undefined) return;
  const flags = deps.store.evaluateAll(params.project, params.environment, input).map(wireFlag);
  sendJson(res, 200, { flags, evaluated_at: rfc3339Seconds(new Date()) });
};

/** `POST …/flags/{key}/evaluate`: one flag; 404 when the project has no such flag. */
const single: Handler = async (deps, req, res, params) => {
  const input = await admitEvaluation(deps, req, res, params);
  if (input === undefined) return;
  const evaluation = deps.store.evaluate(params.project, params.environment, params.flagKey, input);
  if (evaluation === undefined) notFound(res);
  else sendJson(res, 200, wireFlag(evaluation));
};

/** `GET …/flags/stream`: SSE; unknown environment → 404; unlike the reference, key scope is enforced. */
const stream: Handler = async (deps, req, res, { project, environment }) => {
  const { store } = deps;
  const caller = authenticate(req.headers.authorization, store);
  if (caller === undefined) return unauthorized(res);
  if (!store.hasProject(project)) return unknownProject(deps, res);
  if (!store.hasEnvironment(project, environment)) return notFound(res);
  if (!inScope(caller, project, environment)) return forbidden(res, outOfScope(caller, project, environment, true));
  if (deps.settings.brokenStream) {
    res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
    return void res.end('streaming unsupported\n');
  }
  const admits = (): boolean => {
    const now = authenticate(req.headers.authorization, store);
    return now !== undefined && store.hasEnvironment(project, environment) && inScope(now, project, environment);
  };
  deps.hub.open(res, project, environment, cuttlegateStream, admits);
};

/** `PATCH …/flags/{key}` with `{"enabled":bool}`: admin key only; publishes after the state is visible. */
const toggle: Handler = async (deps, req, res, params) => {
  const { store } = deps;
  const caller = authenticate(req.headers.authorization, store);
  if (caller === undefined) return unauthorized(res);
  if (!store.hasProject(params.project)) return unknownProject(deps, res);
  if (caller.kind !== 'admin' || !store.hasEnvironment(params.project, params.environment)) return forbidden(res);
  const body = await readBodyOr413(req, res, deps.settings.maxBodyBytes);
  if (body === undefined) return;
  const decoded = decodeToggleRequest(body);
  if (!decoded.ok) return sendError(res, 400, 'bad_request', decoded.message);
  const enabled = decoded.value;
  if (!store.toggle(params.project, params.environment, params.flagKey, enabled)) return notFound(res);
  deps.publish({ project: params.project, environment: params.environment, flagKey: params.flagKey, enabled });
  sendJson(res, 200, { enabled });
};

/** Handlers by route name. */
export const cuttlegateHandlers = { bulk, single, stream, toggle } as const;
