import { InvalidResponseError } from '../../errors.js';
import type { EvalContext, EvalResult, JsonValue, TelemetryReport, TrackedEvent } from '../../types.js';
import type { InvalidFlag } from '../transport.js';
import { isRecord, jsonObject, toJson } from '../values.js';

/** Rollgate's evaluation reasons (`reason.kind`); others are kept verbatim. */
export type RollgateReasonKind = 'OFF' | 'TARGET_MATCH' | 'RULE_MATCH' | 'FALLTHROUGH' | 'UNKNOWN' | 'ERROR';

/** The value types of the typed (`/v2/flags`) endpoint. */
export type RollgateFlagType = 'boolean' | 'string' | 'number' | 'json';

/** Results of one flags response, with what the transport needs to know about them. */
export interface MappedFlags {
  flags: EvalResult[];
  /** Entries that failed validation; the client keeps their last good values. */
  invalid: InvalidFlag[];
  /** Some flag is typed (string, number or json): only `/v2/flags` carries its value. */
  typed: boolean;
}

/** A reason as mapped: `reason.kind` and the rule detail, defaults filled in. */
interface MappedReason {
  reason: string;
  details: Record<string, JsonValue>;
}

/**
 * `reason.kind` and the rule detail, defaults filled in (absent `ruleIndex` = 0, `inRollout` = false).
 * Throws `InvalidResponseError` (via `bad`) for a reason of the wrong shape.
 */
function reasonOf(raw: unknown, bad: (field: string, expected: string) => InvalidResponseError): MappedReason {
  if (!isRecord(raw)) throw bad('reason', 'an object');
  if (typeof raw.kind !== 'string' || raw.kind === '') throw bad('reason.kind', 'a non-empty string');
  if (raw.ruleIndex !== undefined && !(Number.isInteger(raw.ruleIndex) && (raw.ruleIndex as number) >= 0)) {
    throw bad('reason.ruleIndex', 'an integer ≥ 0');
  }
  if (raw.inRollout !== undefined && typeof raw.inRollout !== 'boolean') throw bad('reason.inRollout', 'a boolean');
  const details: Record<string, JsonValue> = { ruleIndex: (raw.ruleIndex as number | undefined) ?? 0, inRollout: raw.inRollout === true };
  for (const field of ['ruleId', 'errorKind'] as const) {
    const value = raw[field];
    if (value !== undefined && typeof value !== 'string') throw bad(`reason.${field}`, 'a string');
    if (value) details[field] = value;
  }
  return { reason: raw.kind, details };
}

/**
 * `EvalResult.enabled` means "the flag is switched on" for every transport. Rollgate's booleans
 * mean "on for this user" instead; a reason tells them apart (`OFF` = switched off). Without a
 * reason (a stream `init`), `true` still proves the flag is on; `false` keeps `knownEnabled`.
 */
export function switchedOn(on: boolean, reason: string | undefined, knownEnabled?: boolean): boolean {
  if (reason !== undefined && reason !== 'UNKNOWN') return reason !== 'OFF';
  return on || (knownEnabled ?? false);
}

/**
 * The "on for this user" boolean of a mapped Rollgate result (what `/flags` and `init` carry): the
 * boolean value, or for a typed flag whether it has a value.
 */
export function onForUser(result: EvalResult): boolean {
  return typeof result.value === 'boolean' ? result.value : result.value !== undefined;
}

function flagsObject(body: unknown, where: string): Record<string, unknown> {
  if (!isRecord(body) || !isRecord(body.flags)) throw new InvalidResponseError(`${where}: response has no flags object`);
  return body.flags;
}

/** A validator's complaint about one field of the flag `key`. */
function complaint(where: string, key: string): (field: string, expected: string) => InvalidResponseError {
  return (field, expected) => new InvalidResponseError(`${where}: flag ${JSON.stringify(key)}: ${field} must be ${expected}`);
}

/**
 * Maps every entry of a flags map with `one`; an entry it rejects goes to `invalid`. A map whose
 * entries are all rejected is not the protocol at all: `InvalidResponseError`.
 */
function mapEntries(
  flags: Record<string, unknown>,
  where: string,
  one: (key: string, raw: unknown, bad: ReturnType<typeof complaint>) => EvalResult,
): { flags: EvalResult[]; invalid: InvalidFlag[] } {
  const results: EvalResult[] = [];
  const invalid: InvalidFlag[] = [];
  for (const key of Object.keys(flags)) {
    try {
      results.push(one(key, flags[key], complaint(where, key)));
    } catch (error) {
      if (!(error instanceof InvalidResponseError)) throw error;
      invalid.push({ key, error });
    }
  }
  if (results.length === 0 && invalid.length > 0) {
    throw new InvalidResponseError(`${where}: no valid flag in the payload (${invalid[0]!.error.message})`);
  }
  return { flags: results, invalid };
}

/**
 * Maps a `GET /api/v1/sdk/flags` body: `flags` must be an object; each entry a boolean, with a
 * well-formed reason when `reasons` has one. `value` is the boolean; `enabled` follows
 * {@link switchedOn}.
 */
export function v1Results(body: unknown, where: string, receivedAt: string): MappedFlags {
  const flags = flagsObject(body, where);
  const rawReasons = isRecord(body) ? body.reasons : undefined;
  if (rawReasons !== undefined && rawReasons !== null && !isRecord(rawReasons)) {
    throw new InvalidResponseError(`${where}: reasons is not an object`);
  }
  const reasons = rawReasons ?? {};
  const mapped = mapEntries(flags, where, (key, on, bad) => {
    if (typeof on !== 'boolean') throw bad('the value', 'a boolean');
    const known = Object.prototype.hasOwnProperty.call(reasons, key);
    const { reason, details } = known ? reasonOf(reasons[key], bad) : { reason: 'UNKNOWN', details: { ruleIndex: 0, inRollout: false } };
    const enabled = switchedOn(on, known ? reason : undefined);
    return { key, enabled, variant: String(on), value: on, reason, evaluatedAt: receivedAt, source: 'network', details };
  });
  return { ...mapped, typed: false };
}

/** The value types of `/v2/flags`. */
const FLAG_TYPES: ReadonlySet<string> = new Set<RollgateFlagType>(['boolean', 'string', 'number', 'json']);

/**
 * Maps a `GET /api/v1/sdk/v2/flags` body per the protocol's table. Each entry must have `type` one
 * of boolean/string/number/json, `enabled` a boolean, a well-formed `reason`, `key` (if present)
 * equal to its map key, and a `value` of its type: a boolean flag carries its boolean; on a
 * string/number/json flag `false` (or null) means "no value" (the getter returns the caller's
 * default). An entry that breaks a rule goes to `invalid`.
 */
export function v2Results(body: unknown, where: string, receivedAt: string): MappedFlags {
  const flags = flagsObject(body, where);
  let typed = false;
  const mapped = mapEntries(flags, where, (key, raw, bad) => {
    if (!isRecord(raw)) throw bad('the entry', 'an object');
    if (typeof raw.type === 'string' && raw.type !== 'boolean' && FLAG_TYPES.has(raw.type)) typed = true;
    if (raw.key !== undefined && raw.key !== key) throw bad('key', 'its map key');
    if (typeof raw.type !== 'string' || !FLAG_TYPES.has(raw.type)) throw bad('type', 'one of boolean, string, number, json');
    if (typeof raw.enabled !== 'boolean') throw bad('enabled', 'a boolean');
    const type = raw.type as RollgateFlagType;
    const { reason, details } = reasonOf(raw.reason, bad);
    const result: EvalResult = {
      key,
      enabled: switchedOn(raw.enabled, reason),
      variant: '',
      value: undefined,
      reason,
      evaluatedAt: receivedAt,
      source: 'network',
      details: { ...details, type },
    };
    const value = raw.value;
    // On a string, number or json flag, false (or null) is off, no match or out of rollout: no value.
    if (type === 'boolean' || (value !== false && value !== null)) {
      if (type === 'json' ? value === undefined : type === 'number' ? !Number.isFinite(value) : typeof value !== type) {
        throw bad('value', type === 'boolean' ? 'a boolean' : `a ${type} or false`);
      }
      result.value = value as JsonValue;
      result.variant = type === 'string' ? (value as string) : JSON.stringify(value);
    }
    return result;
  });
  return { ...mapped, typed };
}

/**
 * The boolean map of a stream `init` (`{"flags":{key: bool}}`), or `undefined` if the frame is not
 * one. Non-boolean entries are skipped.
 */
export function parseInitFlags(data: string): Map<string, boolean> | undefined {
  const parsed = parseJson(data);
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
  const parsed = parseJson(data);
  return isRecord(parsed) && typeof parsed.key === 'string' && parsed.key !== '' ? parsed.key : undefined;
}

/** A frame's data as JSON, or `undefined` when it is not JSON. */
function parseJson(data: string): unknown {
  try {
    return JSON.parse(data);
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
    if (previous && onForUser(previous) === on) {
      flags.push(previous);
      continue;
    }
    changed = true;
    const type = previous?.details?.type;
    const typed = !!type && type !== 'boolean'; // a /v2/flags string, number or json flag (v1 results have no type)
    flags.push({
      key,
      enabled: switchedOn(on, undefined, previous?.enabled),
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

/** The events body: camelCase fields, optional ones left out when undefined (JSON drops them). */
export function eventsBody(events: readonly TrackedEvent[]): unknown {
  return {
    events: events.map(({ flagKey, eventName, userId, variationId, value, metadata, timestamp }) => ({ flagKey, eventName, userId, variationId, value, metadata, timestamp })),
  };
}

/** The telemetry body: integer counts and `period_ms` (snake_case, as the protocol has it). */
export function telemetryBody(report: TelemetryReport): unknown {
  return { evaluations: report.evaluations, period_ms: Math.max(0, Math.round(report.periodMs)) };
}
