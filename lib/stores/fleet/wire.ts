import type { FleetRecord } from '../../client/features/fleet-contract.js';
import { sha256Base64Url } from './sha256.js';

/** The short hash of a scope (or shared key) that coordinators put in names instead of the scope itself. */
export function digest(text: string): string {
  return sha256Base64Url(text).slice(0, 27);
}

/** A shared record (its fields in the order a Redis snapshot stores them: epoch, then version first), or undefined when `value` is not one. */
export function asRecord(value: unknown): FleetRecord | undefined {
  const { epoch, version, term, at, flags } = (value ?? {}) as Partial<FleetRecord>;
  return typeof epoch === 'string' && typeof version === 'number' && Array.isArray(flags) ? { epoch, version, term: termOf(term), at: String(at), flags } : undefined;
}

/** A leadership's term as received, or undefined (none, from an older release, or not a number). */
export function termOf(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}
