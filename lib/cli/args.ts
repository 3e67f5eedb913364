/** Command-line options shared by several commands, and parsing numeric ones. */
import { UsageError } from './command.js';

/** `--name` as an integer in `[min, max]`; undefined when absent; `UsageError` otherwise. */
export function integer(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${value}"`);
  return n;
}

/** Largest timer delay Node accepts, ms. */
export const MAX_DELAY_MS = 2 ** 31 - 1;

/** Port of the local server when `--port` is not given. */
export const DEFAULT_PORT = 8787;

/** `--host` and `--port` of the commands that start the local server (`serve`, `dev`); the port's default is applied later. */
export const listenOptions = {
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string' },
} as const;
