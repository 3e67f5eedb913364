import type { FleetHealth, FleetRecord } from '../../client/features/fleet-link.js';
import { sha256Base64Url } from './sha256.js';

/** The short hash of a scope (or shared key) that coordinators put in names instead of the scope itself. */
export function digest(text: string): string {
  return sha256Base64Url(text).slice(0, 27);
}

/** A heartbeat or farewell heard from another process or tab, or undefined when `value` is not one. */
export function asHealth(value: unknown): FleetHealth | undefined {
  const health = value as Partial<FleetHealth> | undefined;
  if (!health || typeof health.state !== 'string' || typeof health.since !== 'string') return undefined;
  const { state, since, error } = health;
  return error && typeof error.name === 'string' && typeof error.message === 'string' ? { state, since, error: { name: error.name, message: error.message } } : { state, since };
}

/** A shared record, or undefined when `value` is not one. */
export function asRecord(value: unknown): FleetRecord | undefined {
  const record = value as Partial<FleetRecord> | undefined;
  if (!record || typeof record.epoch !== 'string' || typeof record.version !== 'number' || !Array.isArray(record.flags)) return undefined;
  return { epoch: record.epoch, version: record.version, at: String(record.at), flags: record.flags };
}
