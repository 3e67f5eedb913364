/** Per-route request counts and a request log, for tests that assert what a client sent. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EvalInput } from './evaluator.js';
import { ROUTE_NAMES, type RouteName } from './routes.js';

/** One request as the server saw it. */
export interface RequestLogEntry {
  /** The HTTP method. */
  method: string;
  /** Path and query as sent, with the values of credential-bearing query parameters (`token`, `channel`) replaced by `redacted`. */
  path: string;
  /** The route the request matched. */
  route: RouteName;
  /** The decoded context of an evaluation request that got that far. */
  context?: EvalInput;
  /** Response status, set once the response has finished (or the stream has closed). */
  status?: number;
}

/** Request counts per route, plus `total`. */
export type RequestCounts = Record<RouteName | 'total', number>;

/** Records every request; the route is filled in once matched. */
export class RequestRecorder {
  #counts = zeroCounts();
  #log: RequestLogEntry[] = [];

  /** A copy of the counts. */
  get counts(): RequestCounts {
    return { ...this.#counts };
  }

  get log(): readonly RequestLogEntry[] {
    return this.#log;
  }

  /** Start an entry for a request; its status is filled in when the response closes. */
  begin(req: IncomingMessage, res: ServerResponse): RequestLogEntry {
    const entry: RequestLogEntry = { method: req.method ?? '', path: redactCredentials(req.url ?? ''), route: 'unknown' };
    this.#log.push(entry);
    this.#counts.total++;
    res.once('close', () => void (entry.status = res.statusCode));
    return entry;
  }

  /** Attribute an entry to its route (`unknown` when nothing matched). */
  route(entry: RequestLogEntry, route: RouteName): void {
    entry.route = route;
    this.#counts[route]++;
  }

  reset(): void {
    this.#counts = zeroCounts();
    this.#log = [];
  }
}

/** Query parameters whose values are credentials: Rollgate's stream `token` (the API key) and OFREP's stream `channel`. */
const CREDENTIAL_PARAMS = /([?&](?:token|channel)=)[^&#]*/g;

/** A request target with credential query values replaced. */
export function redactCredentials(url: string): string {
  return url.replace(CREDENTIAL_PARAMS, '$1redacted');
}

function zeroCounts(): RequestCounts {
  return Object.fromEntries([...ROUTE_NAMES, 'total'].map((name) => [name, 0])) as RequestCounts;
}
