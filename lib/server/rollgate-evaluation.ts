/**
 * The Rollgate face of an evaluation: the v1 "on for this user" boolean, the reason object, the
 * typed v2 entry, and the response bodies built from them (keys sorted, as Rollgate sends them).
 */
import { createHash } from 'node:crypto';
import type { JsonValue } from '../types.js';
import type { Evaluation } from './evaluator.js';
import type { FlagType } from './flags-file.js';

/** A Rollgate reason; every field but `kind` is omitted when zero/false, as on the wire. */
export interface RollgateReason {
  kind: 'OFF' | 'RULE_MATCH' | 'FALLTHROUGH';
  ruleId?: string;
  ruleIndex?: number;
  inRollout?: boolean;
}

/** One entry of `GET /api/v1/sdk/v2/flags`. */
export interface TypedFlag {
  key: string;
  type: 'boolean' | 'string' | 'number' | 'json';
  value: JsonValue;
  enabled: boolean;
  reason: RollgateReason;
}

const V2_TYPES: Readonly<Record<FlagType, TypedFlag['type']>> = { bool: 'boolean', string: 'string', number: 'number', json: 'json' };

/**
 * "On for this user", the v1 boolean. A bool flag: its value (`variant === "true"`), so both
 * protocols agree on `bool()`; a disabled bool flag serves its default variant, which may be
 * `"true"`. A string, number or json flag has no boolean value: it is on when switched on in the
 * environment (reason not `disabled`), since it then serves the user a variant; its value is in v2.
 */
export function isOn(evaluation: Evaluation): boolean {
  return evaluation.type === 'bool' ? evaluation.variant === 'true' : evaluation.enabled;
}

/**
 * `disabled` → `OFF`; `rule_match` → `RULE_MATCH` with the rule's id (its `id`, else `name`, else
 * position) and position; `default` → `FALLTHROUGH`. `inRollout` is the v1 boolean, as in Rollgate.
 */
export function reasonOf(evaluation: Evaluation): RollgateReason {
  if (evaluation.reason === 'disabled') return { kind: 'OFF' };
  const inRollout = isOn(evaluation) ? { inRollout: true } : {};
  if (evaluation.reason === 'default' || evaluation.rule === undefined) return { kind: 'FALLTHROUGH', ...inRollout };
  const { id, index } = evaluation.rule;
  return { kind: 'RULE_MATCH', ruleId: id, ...(index === 0 ? {} : { ruleIndex: index }), ...inRollout };
}

/** The variant as its flag's type: boolean, string, number, or parsed JSON (the file was validated). */
export function typedValue(evaluation: Evaluation): JsonValue {
  switch (evaluation.type) {
    case 'bool':
      return evaluation.variant === 'true';
    case 'number':
      return Number(evaluation.variant);
    case 'json':
      return JSON.parse(evaluation.variant) as JsonValue;
    default:
      return evaluation.variant;
  }
}

/** `{"flags":{key: bool}}`, plus `"reasons"` when `withReasons`; keys sorted. */
export function v1Body(evaluations: readonly Evaluation[], withReasons: boolean): { flags: Record<string, boolean>; reasons?: Record<string, RollgateReason> } {
  const sorted = byKey(evaluations);
  const flags = Object.fromEntries(sorted.map((e) => [e.key, isOn(e)]));
  return withReasons ? { flags, reasons: Object.fromEntries(sorted.map((e) => [e.key, reasonOf(e)])) } : { flags };
}

/** `{"flags":{key: TypedFlag}}`; keys sorted. The value is always the served variant, typed (never a `false` placeholder). */
export function v2Body(evaluations: readonly Evaluation[]): { flags: Record<string, TypedFlag> } {
  const entries = byKey(evaluations).map((e): [string, TypedFlag] => [
    e.key,
    { key: e.key, type: V2_TYPES[e.type], value: typedValue(e), enabled: isOn(e), reason: reasonOf(e) },
  ]);
  return { flags: Object.fromEntries(entries) };
}

/** A strong ETag over the exact response text: `"` + 16 hex digits of its SHA-256 + `"`. */
export function etagOf(text: string): string {
  return `"${createHash('sha256').update(text).digest('hex').slice(0, 16)}"`;
}

/** Whether an `If-None-Match` header (a list, weak tags allowed, or `*`) matches `etag` by weak comparison. */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const strip = (tag: string): string => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || strip(tag) === strip(etag));
}

function byKey(evaluations: readonly Evaluation[]): Evaluation[] {
  return [...evaluations].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
