/** Timestamps and the stderr logger the CLI commands share. */
import type { Logger } from '../types.js';

/** `HH:MM:SS` (UTC) for log and change lines. */
export function timestamp(date = new Date()): string {
  return date.toISOString().slice(11, 19);
}

/** A logger writing timestamped lines to stderr (`info` included). */
export const stderrLogger: Logger = {
  info: (message) => console.error(`${timestamp()} ${message}`),
  warn: (message) => console.error(`${timestamp()} warning: ${message}`),
  error: (message) => console.error(`${timestamp()} error: ${message}`),
};
