import { InvalidResponseError } from '../../errors.js';
import type { EvalContext, EvalResult, JsonValue, TelemetryReport, TrackedEvent } from '../../types.js';
import { isRecord, jsonObject, toJson } from '../values.js';

/** Rollgate's evaluation reasons (`reason.kind`); others are kept verbatim. */
export type RollgateReasonKind = 'OFF' | 'TARGET_MATCH' | 'RULE_MATCH' | 'FALLTHROUGH' | 'UNKNOWN' | 'ERROR';

/** The value types of the typed (`/v2/flags`) endpoint. */
export type RollgateFlagType = 'boolean' | 'string' | 'number' | 'json';

/** Results of one flags response, with what the transport needs to know about them. */
export interface MappedFlags {
  flags: EvalResult[];
  /** Some flag is typed (string, number or json): only `/v2/flags` carries its value. */
  typed: boolean;
}

/** `reason.kind` and the rule detail, defaults filled in (absent `ruleIndex` = 0, `inRollout` = false). */
function reasonOf(raw: unknown): { reason: string; details: Record<string, JsonValue> } {
  if (!isRecord(raw) || typeof raw.kind !== 'string' || raw.kind === '') {
    return { reason: 'UNKNOWN', details: { ruleIndex: 0, inRollout: false } };
  }
  const details: Record<string, JsonValue> = {
    ruleIndex: typeof raw.ruleIndex === 'number' && Number.isInteger(raw.ruleIndex) ? raw.ruleIndex : 0,
    inRollout: raw.inRollout === true,
  };
  if (typeof raw.ruleId === 'string' && raw.ruleId !== '') details.ruleId = raw.ruleId;
  if (typeof raw.errorKind === 'string' && raw.errorKind !== '') details.errorKind = raw.errorKind;
  return { reason: raw.kind, details };
}

function flagsObject(body: unknown, where: string): Record<string, unknown> {
  if (!isRecord(body) || !isRecord(body.flags)) throw new InvalidResponseError(`${where}: response has no flags object`);
  return body.flags;
}

/** Maps a `GET /api/v1/sdk/flags` body: `flags` must be an object of booleans; `reasons` is optional. */
export function v1Results(body: unknown, where: string, receivedAt: string): EvalResult[] {
  const flags = flagsObject(body, where);
  const reasons = isRecord(body) && isRecord(body.reasons) ? body.reasons : {};
  return Object.keys(flags).map((key) => {
    const on = flags[key];
    if (typeof on !== 'boolean') throw new InvalidResponseError(`${where}: flag ${JSON.stringify(key)} is not a boolean`);
    const { reason, details } = reasonOf(Object.prototype.hasOwnProperty.call(reasons, key) ? reasons[key] : undefined);
    return { key, enabled: on, variant: String(on), value: on, reason, evaluatedAt: receivedAt, source: 'network', details };
  });
}

/**
 * Maps a `GET /api/v1/sdk/v2/flags` body per the protocol's table: boolean flags carry their boolean;
 * `false` on a string/number/json flag means "no value" (the getter returns the caller's default);
 * a value of the wrong JSON type gives no value and `TYPE_MISMATCH`.
 */
export function v2Results(body: unknown, where: string, receivedAt: string): MappedFlags {
  const flags = flagsObject(body, where);
  let typed = false;
  const results = Object.keys(flags).map((key): EvalResult => {
    const raw = flags[key];
    if (!isRecord(raw) || typeof raw.enabled !== 'boolean') {
      throw new InvalidResponseError(`${where}: flag ${JSON.stringify(key)} lacks enabled`);
    }
    const type = flagType(raw.type);
    if (type !== 'boolean') typed = true;
    const { reason, details } = reasonOf(raw.reason);
    const result: EvalResult = { key, enabled: raw.enabled, variant: '', value: undefined, reason, evaluatedAt: receivedAt, source: 'network', details };
    const value = raw.value as JsonValue | undefined;
    if (type === 'boolean') {
      const on = typeof value === 'boolean' ? value : raw.enabled;
      result.value = on;
      result.variant = String(on);
    } else if (value === false || value === undefined || value === null) {
      // Off, no match or out of rollout: no value.
    } else if (matchesType(type, value)) {
      result.value = value;
      result.variant = typeof value === 'string' ? value : type === 'number' ? String(value) : JSON.stringify(value);
    } else {
      result.errorCode = 'TYPE_MISMATCH';
    }
    return result;
  });
  return { flags: results, typed };
}

function flagType(raw: unknown): RollgateFlagType {
  return raw === 'string' || raw === 'number' || raw === 'json' ? raw : 'boolean';
}

function matchesType(type: RollgateFlagType, value: JsonValue): boolean {
  if (type === 'string') return typeof value === 'string';
  if (type === 'number') return typeof value === 'number' && Number.isFinite(value);
  return true;
}

/**
 * The boolean map of a stream `init` (`{"flags":{key: bool}}`), or `undefined` if the frame is not
 * one. Non-boolean entries are skipped.
 */
export function parseInitFlags(data: string): Map<string, boolean> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || !isRecord(parsed.flags)) return undefined;
  const flags = new Map<string, boolean>();
  for (const key of Object.keys(parsed.flags)) {
    const on = parsed.flags[key];
    if (typeof on === 'boolean') flags.set(key, on);
  }
  return flags;
}

/** `key` of a `flag-changed` / `flag-update` payload, when it has one (the payload is only a hint). */
export function changedKey(data: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(data);
    return isRecord(parsed) && typeof parsed.key === 'string' && parsed.key !== '' ? parsed.key : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Results for a stream `init`, which carries only "on for this user" booleans and no reasons. A flag
 * whose boolean agrees with the last load keeps that load's full result. Otherwise a boolean flag
 * takes the new boolean, and a typed flag gets no value (off, or on with a value only a refetch can
 * tell), so a reader sees its default until the refetch that `changed` reports lands.
 */
export function mergeInit(
  known: ReadonlyMap<string, EvalResult> | undefined,
  init: ReadonlyMap<string, boolean>,
  receivedAt: string,
): { flags: EvalResult[]; changed: boolean } {
  let changed = known === undefined || known.size !== init.size;
  const flags: EvalResult[] = [];
  for (const [key, on] of init) {
    const previous = known?.get(key);
    if (previous && previous.enabled === on) {
      flags.push(previous);
      continue;
    }
    changed = true;
    const typed = previous !== undefined && previous.value !== undefined && typeof previous.value !== 'boolean';
    flags.push({
      key,
      enabled: on,
      variant: typed ? '' : String(on),
      value: typed ? undefined : on,
      reason: 'UNKNOWN',
      evaluatedAt: receivedAt,
      source: 'network',
      details: { ruleIndex: 0, inRollout: false },
    });
  }
  return { flags, changed };
}

/**
 * The identify body: id, e-mail when set, and the attributes as JSON (always an object, so an
 * identify with no attributes clears the server's record). Values JSON cannot carry are dropped
 * with a warning.
 */
export function identifyBody(ctx: EvalContext, warn: (message: string) => void): unknown {
  const attributes = jsonObject();
  const dropped: string[] = [];
  for (const [name, raw] of Object.entries(ctx.attributes ?? {})) {
    const value = toJson(raw);
    if (value === undefined) dropped.push(name);
    else attributes[name] = value;
  }
  if (dropped.length > 0) warn(`rollgate: attributes ${dropped.join(', ')} are not JSON values and were not sent`);
  const user: Record<string, unknown> = { id: ctx.userId ?? '', attributes };
  if (ctx.email !== undefined && ctx.email !== '') user.email = ctx.email;
  return { user };
}

/** The events body: camelCase fields, optional ones omitted when undefined. */
export function eventsBody(events: readonly TrackedEvent[]): unknown {
  return {
    events: events.map((event) => {
      const out: Record<string, unknown> = { flagKey: event.flagKey, eventName: event.eventName, userId: event.userId };
      if (event.variationId !== undefined) out.variationId = event.variationId;
      if (event.value !== undefined) out.value = event.value;
      if (event.metadata !== undefined) out.metadata = event.metadata;
      out.timestamp = event.timestamp;
      return out;
    }),
  };
}

/** The telemetry body: integer counts and `period_ms` (snake_case, as the protocol has it). */
export function telemetryBody(report: TelemetryReport): unknown {
  return { evaluations: report.evaluations, period_ms: Math.max(0, Math.round(report.periodMs)) };
}
