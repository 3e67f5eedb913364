/**
 * The Rollgate events and telemetry sinks: body validation (camelCase event fields, integer
 * counts) and the in-memory record a test reads back.
 */
import type { JsonValue } from '../types.js';
import { isObject, parseJson, type Decoded } from './decoded.js';

/** Where a batch came from: the scope of the API key that posted it, and when. */
interface Received {
  /** The key's project slug. */
  project: string;
  /** The key's environment slug. */
  environment: string;
  /** ISO time the server accepted the batch. */
  receivedAt: string;
}

/** One conversion event as posted to `/api/v1/sdk/events`. */
export interface WireEvent {
  /** The flag the event is attributed to. */
  flagKey: string;
  /** What happened. */
  eventName: string;
  /** The event's user. */
  userId: string;
  /** The variation the user saw. */
  variationId?: string;
  /** A numeric value (revenue, duration…). */
  value?: number;
  /** Further detail, as sent. */
  metadata?: Record<string, JsonValue>;
  /** RFC 3339. */
  timestamp?: string;
}

/** A stored conversion event. */
export interface ReceivedEvent extends WireEvent, Received {}

/** Boolean evaluations of one flag. */
export interface EvaluationCounts {
  /** Evaluations in the period. */
  total: number;
  /** Of those, how many gave `true`. */
  true: number;
  /** Of those, how many gave `false`. */
  false: number;
}

/** One telemetry report as posted to `/api/v1/sdk/telemetry` (`period_ms` on the wire). */
export interface TelemetryReportBody {
  /** Flag key → its counts. */
  evaluations: Record<string, EvaluationCounts>;
  /** Milliseconds the counts cover. */
  periodMs: number;
}

/** A stored telemetry report. */
export interface ReceivedTelemetry extends TelemetryReportBody, Received {}

const RFC3339 = /^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$/;
const REQUIRED = ['flagKey', 'eventName', 'userId'] as const;

/** `{"events":[…]}`: `flagKey`, `eventName`, `userId` non-empty strings; optional fields typed. */
export function decodeEvents(body: string): Decoded<WireEvent[]> {
  const parsed = parseJson(body);
  if (!parsed.ok) return parsed;
  if (!isObject(parsed.value) || !Array.isArray(parsed.value.events)) return invalid('expected {"events":[…]}');
  const events: WireEvent[] = [];
  for (const [i, raw] of parsed.value.events.entries()) {
    const at = `events[${i}]`;
    if (!isObject(raw)) return invalid(`${at} must be an object`);
    for (const field of REQUIRED) {
      if (typeof raw[field] !== 'string' || raw[field] === '') return invalid(`${at}.${field} is required (a non-empty string)`);
    }
    const { variationId, value, metadata, timestamp } = raw;
    if (variationId !== undefined && typeof variationId !== 'string') return invalid(`${at}.variationId must be a string`);
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) return invalid(`${at}.value must be a number`);
    if (metadata !== undefined && !isObject(metadata)) return invalid(`${at}.metadata must be an object`);
    if (timestamp !== undefined && !(typeof timestamp === 'string' && RFC3339.test(timestamp) && !Number.isNaN(Date.parse(timestamp)))) {
      return invalid(`${at}.timestamp must be an RFC 3339 time`);
    }
    const event: WireEvent = { flagKey: raw.flagKey as string, eventName: raw.eventName as string, userId: raw.userId as string };
    if (variationId !== undefined) event.variationId = variationId;
    if (value !== undefined) event.value = value;
    if (metadata !== undefined) event.metadata = metadata as Record<string, JsonValue>;
    if (timestamp !== undefined) event.timestamp = timestamp;
    events.push(event);
  }
  return { ok: true, value: events };
}

/** `{"evaluations":{key:{total,true,false}},"period_ms":n}`: every count and `period_ms` a JSON integer ≥ 0. */
export function decodeTelemetry(body: string): Decoded<TelemetryReportBody> {
  const parsed = parseJson(body);
  if (!parsed.ok) return parsed;
  const root = parsed.value;
  if (!isObject(root) || !isObject(root.evaluations)) return invalid('expected {"evaluations":{…},"period_ms":…}');
  if (!isCount(root.period_ms)) return invalid('period_ms must be an integer ≥ 0');
  const evaluations: Record<string, EvaluationCounts> = Object.create(null) as Record<string, EvaluationCounts>;
  for (const [key, raw] of Object.entries(root.evaluations)) {
    if (!isObject(raw)) return invalid(`evaluations[${JSON.stringify(key)}] must be an object`);
    for (const field of ['total', 'true', 'false'] as const) {
      if (!isCount(raw[field])) return invalid(`evaluations[${JSON.stringify(key)}].${field} must be an integer ≥ 0`);
    }
    evaluations[key] = { total: raw.total as number, true: raw.true as number, false: raw.false as number };
  }
  return { ok: true, value: { evaluations, periodMs: root.period_ms } };
}

/** Accepted events and telemetry, oldest first. */
export class TrackingSink {
  readonly events: ReceivedEvent[] = [];
  readonly telemetry: ReceivedTelemetry[] = [];

  /** Forget what was received: events, telemetry, or (no argument) both. */
  clear(which?: 'events' | 'telemetry'): void {
    if (which !== 'telemetry') this.events.length = 0;
    if (which !== 'events') this.telemetry.length = 0;
  }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function invalid(message: string): Decoded<never> {
  return { ok: false, message };
}
