import { InvalidResponseError } from '../../errors.js';
import type { EvalContext, EvalResult, JsonValue } from '../../types.js';
import { isRecord, typedValue } from '../values.js';

/** One flag as the Cuttlegate evaluation routes send it. */
export interface CuttlegateFlag {
  key: string;
  enabled: boolean;
  value: string | null;
  value_key: string;
  reason: string;
  type: string;
}

/** The body of `flag.state_changed` stream events. */
export interface CuttlegateChangeEvent {
  type: string;
  project?: string;
  environment?: string;
  flag_key?: string;
  enabled?: boolean;
  occurred_at?: string;
}

/** The request body: attributes go as strings only, so a request never fails with 400. */
export function requestBody(ctx: EvalContext, warn: (message: string) => void): unknown {
  const attributes: Record<string, string> = {};
  const dropped: string[] = [];
  for (const [name, raw] of Object.entries(ctx.attributes ?? {})) {
    if (typeof raw === 'string') attributes[name] = raw;
    else if (typeof raw === 'number' || typeof raw === 'boolean' || typeof raw === 'bigint') attributes[name] = String(raw);
    else dropped.push(name);
  }
  if (dropped.length > 0) {
    warn(`cuttlegate: attributes ${dropped.join(', ')} are not strings, numbers or booleans and were not sent`);
  }
  return { context: { user_id: ctx.userId ?? '', attributes } };
}

/** Validates and maps one wire flag; `evaluatedAt` comes from the bulk response or the receipt time. */
export function toEvalResult(raw: unknown, evaluatedAt: string, where: string): EvalResult {
  if (!isRecord(raw) || typeof raw.key !== 'string' || raw.key === '') {
    throw new InvalidResponseError(`${where}: flag entry without a key`);
  }
  const key = raw.key;
  if (typeof raw.enabled !== 'boolean' || typeof raw.reason !== 'string') {
    throw new InvalidResponseError(`${where}: flag ${JSON.stringify(key)} lacks enabled/reason`);
  }
  const variant =
    typeof raw.value_key === 'string' && raw.value_key !== ''
      ? raw.value_key
      : typeof raw.value === 'string'
        ? raw.value
        : '';
  const type = typeof raw.type === 'string' ? raw.type : 'string';
  const typed = typedValue(type, variant);
  const result: EvalResult = {
    key,
    enabled: raw.enabled,
    variant,
    value: typed.value,
    reason: raw.reason,
    evaluatedAt,
    source: 'network',
    details: { type } as Record<string, JsonValue>,
  };
  if (typed.errorCode) result.errorCode = typed.errorCode;
  return result;
}

/** Maps a bulk response body, validating it at the boundary. */
export function bulkResults(body: unknown, where: string, receivedAt: string): EvalResult[] {
  if (!isRecord(body) || !Array.isArray(body.flags)) {
    throw new InvalidResponseError(`${where}: response has no flags array`);
  }
  const evaluatedAt = typeof body.evaluated_at === 'string' && body.evaluated_at !== '' ? body.evaluated_at : receivedAt;
  return body.flags.map((flag) => toEvalResult(flag, evaluatedAt, where));
}

/** Parses a stream frame; `undefined` for frames that are not JSON objects. */
export function parseChangeEvent(data: string): CuttlegateChangeEvent | undefined {
  try {
    const parsed: unknown = JSON.parse(data);
    return isRecord(parsed) && typeof parsed.type === 'string' ? (parsed as unknown as CuttlegateChangeEvent) : undefined;
  } catch {
    return undefined;
  }
}
