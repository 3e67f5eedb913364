import { ConfigError } from '../../errors.js';
import { isObject, numberOption } from '../../client/number-options.js';
import { checkKeys, requireHttpUrl } from '../config.js';

/** How an {@link ofrep} client learns that flags changed. */
export type ChangeDetection = 'sse' | 'polling' | 'none';

/** Options of the `ofrep()` transport. Settings given here override the `OFREP_*` environment variables. */
export interface OfrepOptions {
  /** The part before `/ofrep`, e.g. `http://localhost:8016`. Default: env `OFREP_ENDPOINT` (Node). */
  baseUrl?: string;
  /** Sent as `Authorization: Bearer <apiKey>`. Never logged. */
  apiKey?: string;
  /** Extra request headers, merged over env `OFREP_HEADERS`. Values are never logged. */
  headers?: Record<string, string>;
  /**
   * `sse` (default): stream the `eventStreams` a bulk response advertises; `polling`: ignore them
   * (the client's `pollIntervalMs` sets the pace); `none`: no stream.
   */
  changeDetection?: ChangeDetection;
  /** Per-request timeout, ms; default env `OFREP_TIMEOUT_MS`, else the client's `timeoutMs`. */
  timeoutMs?: number;
  /**
   * Silence on an event stream after which it counts as dead, ms. Default 0 (off): OFREP defines no
   * heartbeat. Set it (e.g. 45 000) for servers that send `: ping` comments (the local server does, every 15 s).
   */
  watchdogMs?: number;
}

/** The validated settings of one `ofrep()` transport. */
export interface OfrepSettings {
  baseUrl: string;
  /** Headers of every request: env headers, then `headers`, then the API key's `Authorization`. */
  headers: Record<string, string>;
  changeDetection: ChangeDetection;
  timeoutMs?: number;
  watchdogMs: number;
  /** Problems with `OFREP_HEADERS` that did not stop the client (logged once connected). */
  warnings: string[];
}

const MODES: readonly ChangeDetection[] = ['sse', 'polling', 'none'];
/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The environment variables of the running process, or none (browsers, workers without `process`). */
export function processEnv(): Record<string, string | undefined> {
  const candidate = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return candidate?.env ?? {};
}

/** Validates `options` and fills the gaps from `env` (`ConfigError` naming the option or variable). */
export function resolveSettings(options: OfrepOptions, env: Record<string, string | undefined>): OfrepSettings {
  const warnings: string[] = [];
  checkKeys(options, ['baseUrl', 'apiKey', 'headers', 'changeDetection', 'timeoutMs', 'watchdogMs']);
  const fromEnv = options.baseUrl === undefined;
  if (fromEnv && env.OFREP_ENDPOINT === undefined) throw new ConfigError('baseUrl', 'is required (or set OFREP_ENDPOINT)');
  const field = fromEnv ? 'OFREP_ENDPOINT' : 'baseUrl';
  const baseUrl = requireHttpUrl(fromEnv ? env.OFREP_ENDPOINT : options.baseUrl, field);
  const parsed = new URL(baseUrl);
  if (parsed.search !== '' || parsed.hash !== '') throw new ConfigError(field, 'must not have a query or fragment');

  const changeDetection = options.changeDetection ?? 'sse';
  if (!MODES.includes(changeDetection)) throw new ConfigError('changeDetection', `must be one of ${MODES.join(', ')}`);

  // Numbers follow the client's rule for its own (a longer timer would fire at once); the variable is read only without the option.
  const envTimeout = options.timeoutMs === undefined ? env.OFREP_TIMEOUT_MS?.trim() : undefined;
  if (envTimeout && !/^0*[1-9]\d*$/.test(envTimeout)) throw new ConfigError('OFREP_TIMEOUT_MS', 'must be a positive integer (ms)');
  const timeoutMs = envTimeout
    ? numberOption({ OFREP_TIMEOUT_MS: Number(envTimeout) }, 'OFREP_TIMEOUT_MS', 0, 1)
    : options.timeoutMs === undefined
      ? undefined
      : numberOption(options, 'timeoutMs', 0, 1);
  const watchdogMs = numberOption(options, 'watchdogMs', 0);

  // Merged case-insensitively: a later header of the same name replaces the earlier one.
  const merged = new Map<string, [string, string]>();
  const header = (name: string, value: string): void => void merged.set(name.toLowerCase(), [name, value]);
  if (env.OFREP_HEADERS !== undefined) {
    for (const [name, value] of parseEnvHeaders(env.OFREP_HEADERS, warnings)) header(name, value);
  }
  if (options.headers !== undefined) {
    if (!isObject(options.headers)) throw new ConfigError('headers', 'must be an object of strings');
    for (const [name, value] of Object.entries(options.headers)) {
      if (!HEADER_NAME.test(name)) throw new ConfigError('headers', `${JSON.stringify(name)} is not a valid header name`);
      if (typeof value !== 'string' || /[\r\n\0]/.test(value)) throw new ConfigError('headers', `the value of ${name} must be a single-line string`);
      header(name, value);
    }
  }
  if (options.apiKey !== undefined) {
    if (typeof options.apiKey !== 'string' || options.apiKey.trim() === '' || /[\r\n\0]/.test(options.apiKey)) {
      throw new ConfigError('apiKey', 'must be a non-empty single-line string');
    }
    header('Authorization', `Bearer ${options.apiKey}`);
  }
  return { baseUrl, headers: Object.fromEntries(merged.values()), changeDetection, timeoutMs, watchdogMs, warnings };
}

/**
 * `OFREP_HEADERS` per the protocol: URL-decode the whole string, split on `,`, split each pair at
 * the first `=`, trim both sides. Pairs without `=` or with an empty or invalid name are skipped
 * with a warning that names their position, never their text (it may hold a token).
 */
export function parseEnvHeaders(raw: string, warnings: string[]): Array<[string, string]> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw new ConfigError('OFREP_HEADERS', 'is not valid percent-encoding');
  }
  const pairs: Array<[string, string]> = [];
  decoded.split(',').forEach((pair, index) => {
    if (pair.trim() === '') return;
    const at = pair.indexOf('=');
    // Without '=' the name is empty, which the header-name rule rejects.
    const [name, value] = at < 0 ? ['', ''] : [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
    if (!HEADER_NAME.test(name) || /[\r\n\0]/.test(value)) {
      warnings.push(`ofrep: OFREP_HEADERS entry ${index + 1} is not name=value; skipped`);
      return;
    }
    pairs.push([name, value]);
  });
  return pairs;
}
