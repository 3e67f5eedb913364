/** `startServer`: the local flag server as a library. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { Logger } from '../types.js';
import { createDashboard, isLoopbackHost } from './dashboard/index.js';
import { cuttlegateHandlers, type CuttlegateDeps, type CuttlegateSettings } from './cuttlegate-routes.js';
import type { EvalInput } from './evaluator.js';
import { FileSource } from './file-source.js';
import { FlagStore, type FlagStateChange } from './flag-store.js';
import { formatIssue, validateFlagsDocument, type FlagsDocument, type FlagsFileIssue } from './flags-file.js';
import { allowCors, sendError, sendJson } from './http.js';
import { Identities } from './identities.js';
import { readFlagsFile } from './load.js';
import { ofrepHandlers, type OfrepDeps } from './ofrep-routes.js';
import { OfrepChannels, OfrepNotifier } from './ofrep-stream.js';
import { checkOfrepSwitches, type OfrepRefetch, type OfrepSwitches } from './ofrep-switches.js';
import { FixedWindowLimiter, type RateLimitOptions } from './rate-limit.js';
import { RequestRecorder, type RequestCounts, type RequestLogEntry } from './request-log.js';
import { rollgateHandlers, sendRollgateError, type RollgateDeps } from './rollgate-routes.js';
import { TrackingSink, type ReceivedEvent, type ReceivedTelemetry } from './rollgate-tracking.js';
import { matchRoute } from './routes.js';
import { StreamHub } from './stream-hub.js';

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** Flags file to load and (by default) watch. Mutually exclusive with `flags`. */
  file?: string;
  /** An in-memory document, validated like a file. Neither `file` nor `flags`: no projects. */
  flags?: FlagsDocument;
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
  /** Port; `0` (the default) picks a free one. */
  port?: number;
  /**
   * Interval of every stream's heartbeat comment, counted from each connect. Default: 30 000 for
   * Cuttlegate (`: keep-alive`), 15 000 for Rollgate and OFREP (`: ping`).
   */
  heartbeatMs?: number;
  /** Fixed-window limit on the evaluation routes (Cuttlegate and OFREP). Off unless given. */
  rateLimit?: RateLimitOptions;
  /** Status for an unknown project: 404 like the wired reference server (default), or 403 like its design notes. */
  unknownProjectStatus?: 403 | 404;
  /** Largest accepted request body; larger ones get 413. Default 1 MiB. */
  maxBodyBytes?: number;
  /**
   * On reload, send one `flag.state_changed` per flag whose definition changed in an environment
   * (default). `false` is the reference's strict mode: events only on toggles.
   */
  emitOnReload?: boolean;
  /** Start with the stream route answering 500 `streaming unsupported`, as the reference commit does. */
  brokenStream?: boolean;
  /** Test switches of the OFREP routes; all off by default. */
  ofrep?: OfrepSwitches;
  /** Reload `file` when it changes. Default true when `file` is given. */
  watch?: boolean;
  /** Debounce for file changes. Default 50 ms. */
  watchDebounceMs?: number;
  /** Receives load warnings, rejected reloads and internal errors; `info` (optional) gets reloads. Never sees API keys. */
  logger?: Logger;
  /**
   * Serve the dashboard at `GET /`: the flags, an "evaluate as" form and switches, live. Local
   * development only: allowed only on a loopback `host`, and it hands the page the file's keys.
   * Default false.
   */
  dashboard?: boolean;
}

/** A running server and its test hooks. */
export interface FlagServer {
  /** Base URL, e.g. `http://127.0.0.1:53124` (no trailing slash). */
  readonly url: string;
  /** The host it listens on. */
  readonly host: string;
  /** The port it listens on (the one chosen when started with port 0). */
  readonly port: number;
  /** The flags file, resolved to an absolute path, when started with one. */
  readonly file: string | undefined;
  /** The live document, runtime toggles included. Treat as read-only. */
  readonly flags: FlagsDocument;
  /** Counts per route since start or the last {@link FlagServer.resetRequests}. */
  readonly requests: Readonly<RequestCounts>;
  /** Every request since start or the last reset, oldest first. */
  readonly requestLog: readonly RequestLogEntry[];
  /** Number of open streams (every protocol). */
  readonly streamCount: number;
  /** Conversion events accepted by `POST /api/v1/sdk/events`, oldest first. */
  readonly trackedEvents: readonly ReceivedEvent[];
  /** Telemetry reports accepted by `POST /api/v1/sdk/telemetry`, oldest first. */
  readonly telemetry: readonly ReceivedTelemetry[];
  /** The OFREP configuration version (quoted), as sent in `refetchEvaluation` events; changes with every reload or toggle. */
  readonly configEtag: string;
  /** `flagConfigEtag`/`flagConfigLastModified` of every event-triggered OFREP bulk request, oldest first, since start or the last {@link FlagServer.resetRequests}. */
  readonly ofrepRefetches: readonly OfrepRefetch[];
  /** Set OFREP test switches: the given ones replace the current ones, and a switch given as `undefined` is turned off. */
  setOfrep(switches: OfrepSwitches): void;
  /** Forget the received events and telemetry. */
  clearTracking(): void;
  /** Zero the counts and clear the log (and the recorded OFREP refetches). */
  resetRequests(): void;
  /** Resolves once at least `count` streams are open (default 1); rejects after `timeoutMs` (default 5000). */
  waitForStreams(count?: number, timeoutMs?: number): Promise<void>;
  /** End every open stream cleanly, as a server restart would. Returns how many were open. */
  dropStreams(): number;
  /** Heartbeat interval for streams (every protocol) opened from now on. */
  setHeartbeatMs(ms: number): void;
  /** While on, change events are discarded instead of sent. */
  setDropEvents(on: boolean): void;
  /** While on, the stream route answers 500 `streaming unsupported`. */
  setBrokenStream(on: boolean): void;
  /** Replace the rate limit; `undefined` turns it off (and resets all windows). */
  setRateLimit(limit: RateLimitOptions | undefined): void;
  /**
   * Validate and swap in a new document (throws `FlagsFileError`, keeping the old one). Sends
   * change events as a file reload would; returns the changes.
   */
  setFlags(document: unknown): FlagStateChange[];
  /** Re-read the file now (throws when started without one or when the file is invalid). */
  reload(): Promise<FlagStateChange[]>;
  /**
   * Switch a flag on or off, as `PATCH …/flags/{key}` does: always sends one event, even when the
   * state did not change. Throws when the project, environment or flag does not exist.
   */
  toggle(project: string, environment: string, flagKey: string, enabled: boolean): void;
  /** Stop: end streams, timers and the file watch, close the socket. Idempotent. */
  close(): Promise<void>;
}

const consoleLogger: Logger = {
  warn: (message) => console.warn(message),
  error: (message) => console.error(message),
};

/** Start the local flag server; resolves once it is listening. Rejects with `FlagsFileError` for an invalid file. */
export async function startServer(options: ServerOptions = {}): Promise<FlagServer> {
  checkOptions(options);
  const logger = options.logger ?? consoleLogger;
  const file = options.file === undefined ? undefined : resolve(options.file);
  /** The warnings of the last accepted load, for the dashboard. */
  let loadWarnings: readonly string[] = [];
  const warnAll = (issues: readonly FlagsFileIssue[], source: string): void => {
    loadWarnings = issues.map(formatIssue);
    for (const issue of issues) logger.warn(`${source}: ${formatIssue(issue)}`);
  };

  let store: FlagStore;
  let source: FileSource | undefined;
  if (file !== undefined) {
    const loaded = await readFlagsFile(file);
    warnAll(loaded.warnings, file);
    store = new FlagStore(loaded.document);
    source = new FileSource({
      file,
      loadedText: loaded.text,
      logger,
      warn: warnAll,
      apply: (document) => applyChanges(store.replace(document)),
      problemChanged: () => dashboard?.refresh(),
    });
  } else {
    const validated = validateFlagsDocument(options.flags ?? { projects: [] });
    warnAll(validated.warnings, 'flags');
    store = new FlagStore(validated.document);
  }

  const hub = new StreamHub(options.heartbeatMs);
  const identities = new Identities();
  const tracking = new TrackingSink();
  const settings: CuttlegateSettings = {
    unknownProjectStatus: options.unknownProjectStatus ?? 404,
    maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
    brokenStream: options.brokenStream ?? false,
    limiter: options.rateLimit === undefined ? undefined : new FixedWindowLimiter(options.rateLimit),
  };
  const emitOnReload = options.emitOnReload ?? true;
  const recorder = new RequestRecorder();
  const ofrepSwitches: OfrepSwitches = { ...options.ofrep };
  const channels = new OfrepChannels();
  const notifier = new OfrepNotifier(hub);
  const refetches: OfrepRefetch[] = [];

  const dashboard = options.dashboard
    ? createDashboard(() => store.document, () => ({ warnings: loadWarnings, fileProblem: source?.problem ?? null }))
    : undefined;
  /** A toggle: one event per protocol's stream, and the dashboard's. */
  const publish = (change: FlagStateChange): void => {
    source?.overridden();
    hub.publish(change);
    notifier.changed([change]);
    dashboard?.publish(change);
  };
  /**
   * A reload: the streams of keys it revoked or re-scoped end, then per-flag events unless strict
   * mode, one OFREP event when anything changed, the dashboard always.
   */
  const applyChanges = (changes: FlagStateChange[]): FlagStateChange[] => {
    hub.endRevoked();
    if (emitOnReload) changes.forEach((change) => hub.publish(change));
    notifier.changed(changes);
    for (const change of changes) dashboard?.publish(change);
    return changes;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, entry: RequestLogEntry): Promise<void> => {
    const match = matchRoute(req.method ?? '', req.url ?? '');
    const onContext = (input: EvalInput): void => void (entry.context = input);
    allowCors(res);
    switch (match.kind) {
      case 'none':
        recorder.route(entry, 'unknown');
        return sendError(res, 404, 'not_found', 'resource not found');
      case 'preflight':
        recorder.route(entry, 'preflight');
        res.writeHead(200, { 'Content-Length': 0 });
        return void res.end();
      case 'method-not-allowed':
        recorder.route(entry, match.route);
        if (match.protocol !== 'rollgate') return sendError(res, 405, 'method_not_allowed', 'method not allowed', { Allow: match.allow });
        return sendRollgateError(res, 405, 'method not allowed', { Allow: match.allow });
    }
    recorder.route(entry, match.route);
    if (match.protocol === 'server') return sendJson(res, 200, { status: 'ok' });
    if (match.protocol === 'ofrep') {
      const deps: OfrepDeps = { store, hub, settings, switches: ofrepSwitches, channels, refetches, onContext };
      return ofrepHandlers[match.route](deps, req, res, match.params);
    }
    if (match.protocol === 'rollgate') {
      const deps: RollgateDeps = { store, hub, identities, tracking, maxBodyBytes: settings.maxBodyBytes, onContext };
      return rollgateHandlers[match.route](deps, req, res);
    }
    const deps: CuttlegateDeps = { store, hub, settings, publish, onContext };
    await cuttlegateHandlers[match.route](deps, req, res, match.params);
  };

  const server = createServer((req, res) => {
    if (dashboard?.serve(req, res)) return;
    const entry = recorder.begin(req, res);
    handle(req, res, entry).catch((error: unknown) => {
      logger.error(`internal error on ${entry.method} ${entry.route} route: ${(error as Error).message}`);
      if (res.headersSent) res.destroy();
      else if (entry.route.startsWith('ofrep-')) sendJson(res, 500, { errorDetails: 'an unexpected error occurred' });
      else sendError(res, 500, 'internal_error', 'an unexpected error occurred');
    });
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;

  if (options.watch ?? true) source?.watch(options.watchDebounceMs ?? 50);

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    host,
    port,
    file,
    get flags() {
      return store.document;
    },
    get requests() {
      return recorder.counts;
    },
    get requestLog() {
      return recorder.log;
    },
    get streamCount() {
      return hub.size;
    },
    get trackedEvents() {
      return tracking.events;
    },
    get telemetry() {
      return tracking.telemetry;
    },
    get configEtag() {
      return notifier.configEtag;
    },
    get ofrepRefetches() {
      return refetches;
    },
    setOfrep(switches) {
      checkOfrepSwitches(switches);
      for (const [name, value] of Object.entries(switches) as [keyof OfrepSwitches, unknown][]) {
        if (value === undefined) delete ofrepSwitches[name];
        else Object.assign(ofrepSwitches, { [name]: value });
      }
    },
    clearTracking: () => tracking.clear(),
    resetRequests: () => {
      recorder.reset();
      refetches.length = 0;
    },
    waitForStreams: (count = 1, timeoutMs = 5000) => hub.waitForStreams(count, timeoutMs),
    dropStreams: () => hub.dropAll(),
    setHeartbeatMs(ms) {
      hub.heartbeatMs = ms;
    },
    setDropEvents(on) {
      hub.dropEvents = on;
    },
    setBrokenStream(on) {
      settings.brokenStream = on;
    },
    setRateLimit(limit) {
      settings.limiter = limit === undefined ? undefined : new FixedWindowLimiter(limit);
    },
    setFlags(document) {
      const validated = validateFlagsDocument(document);
      warnAll(validated.warnings, 'flags');
      source?.overridden();
      return applyChanges(store.replace(validated.document));
    },
    reload() {
      if (source === undefined) return Promise.reject(new ConfigError('file', 'the server was started without a flags file'));
      return source.reload();
    },
    toggle(project, environment, flagKey, enabled) {
      if (!store.toggle(project, environment, flagKey, enabled)) {
        throw new RangeError(`no flag ${flagKey} in ${project}/${environment}`);
      }
      publish({ project, environment, flagKey, enabled });
    },
    close() {
      closing ??= new Promise<void>((resolveClose) => {
        source?.close();
        hub.dropAll();
        server.close(() => resolveClose());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** Synchronous option checks; each failure is a `ConfigError` naming the option. */
function checkOptions(options: ServerOptions): void {
  const positive = (value: number | undefined, field: string, min: number): void => {
    if (value !== undefined && !(Number.isInteger(value) && value >= min)) {
      throw new ConfigError(field, `must be an integer ≥ ${min}, got ${value}`);
    }
  };
  if (options.file !== undefined && options.flags !== undefined) {
    throw new ConfigError('flags', 'give either "file" or "flags", not both');
  }
  if (options.dashboard && !isLoopbackHost(options.host ?? '127.0.0.1')) {
    throw new ConfigError('dashboard', `is served only on a loopback host (127.0.0.1, ::1 or localhost), not ${options.host}`);
  }
  positive(options.port, 'port', 0);
  positive(options.heartbeatMs, 'heartbeatMs', 1);
  positive(options.maxBodyBytes, 'maxBodyBytes', 0);
  positive(options.watchDebounceMs, 'watchDebounceMs', 0);
  positive(options.rateLimit?.limit, 'rateLimit.limit', 0);
  positive(options.rateLimit?.windowMs, 'rateLimit.windowMs', 1);
  if (options.ofrep !== undefined) checkOfrepSwitches(options.ofrep);
}
