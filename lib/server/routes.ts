/** The route table: maps a method and path to a named route (and its protocol) and its parameters. */

/** The Cuttlegate routes (path-scoped to a project and environment). */
export const CUTTLEGATE_ROUTES = ['bulk', 'single', 'stream', 'toggle'] as const;
/** The Rollgate routes (scoped by the API key), with the admin read-back of events and telemetry. */
export const ROLLGATE_ROUTES = [
  'rollgate-flags',
  'rollgate-flags-v2',
  'rollgate-stream',
  'rollgate-identify',
  'rollgate-events',
  'rollgate-telemetry',
  'rollgate-test-events',
  'rollgate-test-telemetry',
] as const;

/** The OFREP routes (scoped by the API key): bulk and single evaluation, and the change stream. */
export const OFREP_ROUTES = ['ofrep-bulk', 'ofrep-single', 'ofrep-stream'] as const;

export type CuttlegateRoute = (typeof CUTTLEGATE_ROUTES)[number];
export type RollgateRoute = (typeof ROLLGATE_ROUTES)[number];
export type OfrepRoute = (typeof OFREP_ROUTES)[number];

/** Every route the server counts: health, the three protocols, CORS preflights, and `unknown`. */
export const ROUTE_NAMES = ['health', ...CUTTLEGATE_ROUTES, ...ROLLGATE_ROUTES, ...OFREP_ROUTES, 'preflight', 'unknown'] as const;
/** The name of one of {@link ROUTE_NAMES}, as counted in the request log. */
export type RouteName = (typeof ROUTE_NAMES)[number];

/** Path parameters of the Cuttlegate routes. */
export interface RouteParams {
  project: string;
  environment: string;
  flagKey: string;
}

/** A matched route, a CORS preflight, a known path with the wrong method, or nothing. */
export type RouteMatch =
  | { kind: 'route'; protocol: 'server'; route: 'health'; params: RouteParams }
  | { kind: 'route'; protocol: 'cuttlegate'; route: CuttlegateRoute; params: RouteParams }
  | { kind: 'route'; protocol: 'rollgate'; route: RollgateRoute; params: RouteParams }
  | { kind: 'route'; protocol: 'ofrep'; route: OfrepRoute; params: RouteParams }
  | { kind: 'preflight' }
  | { kind: 'method-not-allowed'; protocol: Protocol; route: Exclude<RouteName, 'unknown' | 'preflight'>; allow: string }
  | { kind: 'none' };

type Protocol = 'server' | 'cuttlegate' | 'rollgate' | 'ofrep';

interface Pattern {
  protocol: Protocol;
  route: Exclude<RouteName, 'unknown' | 'preflight'>;
  method: string;
  /** Literal segments, or `:name` placeholders. */
  segments: readonly string[];
}

const ENV = ['api', 'v1', 'projects', ':project', 'environments', ':environment'];
const SDK = ['api', 'v1', 'sdk'];
const TEST = ['api', 'v1', 'test'];
const OFREP = ['ofrep', 'v1'];

/** Listed so that the literal `stream` path wins over a flag named `stream` for GET. */
const PATTERNS: readonly Pattern[] = [
  { protocol: 'server', route: 'health', method: 'GET', segments: ['healthz'] },
  { protocol: 'cuttlegate', route: 'bulk', method: 'POST', segments: [...ENV, 'evaluate'] },
  { protocol: 'cuttlegate', route: 'stream', method: 'GET', segments: [...ENV, 'flags', 'stream'] },
  { protocol: 'cuttlegate', route: 'single', method: 'POST', segments: [...ENV, 'flags', ':flagKey', 'evaluate'] },
  { protocol: 'cuttlegate', route: 'toggle', method: 'PATCH', segments: [...ENV, 'flags', ':flagKey'] },
  { protocol: 'rollgate', route: 'rollgate-flags', method: 'GET', segments: [...SDK, 'flags'] },
  { protocol: 'rollgate', route: 'rollgate-flags-v2', method: 'GET', segments: [...SDK, 'v2', 'flags'] },
  { protocol: 'rollgate', route: 'rollgate-stream', method: 'GET', segments: [...SDK, 'stream'] },
  { protocol: 'rollgate', route: 'rollgate-identify', method: 'POST', segments: [...SDK, 'identify'] },
  { protocol: 'rollgate', route: 'rollgate-events', method: 'POST', segments: [...SDK, 'events'] },
  { protocol: 'rollgate', route: 'rollgate-telemetry', method: 'POST', segments: [...SDK, 'telemetry'] },
  { protocol: 'rollgate', route: 'rollgate-test-events', method: 'GET', segments: [...TEST, 'events'] },
  { protocol: 'rollgate', route: 'rollgate-test-events', method: 'DELETE', segments: [...TEST, 'events'] },
  { protocol: 'rollgate', route: 'rollgate-test-telemetry', method: 'GET', segments: [...TEST, 'telemetry'] },
  { protocol: 'rollgate', route: 'rollgate-test-telemetry', method: 'DELETE', segments: [...TEST, 'telemetry'] },
  { protocol: 'ofrep', route: 'ofrep-bulk', method: 'POST', segments: [...OFREP, 'evaluate', 'flags'] },
  { protocol: 'ofrep', route: 'ofrep-single', method: 'POST', segments: [...OFREP, 'evaluate', 'flags', ':flagKey'] },
  { protocol: 'ofrep', route: 'ofrep-stream', method: 'GET', segments: [...OFREP, 'stream'] },
];

/**
 * Match a request. Path segments are percent-decoded; the query string is ignored. `OPTIONS` is a
 * CORS preflight on any route's path, and on any path under `/api/v1/sdk/` or `/api/v1/test/`
 * (as on Rollgate).
 */
export function matchRoute(method: string, url: string): RouteMatch {
  const segments = decodePath(url);
  if (segments === undefined) return { kind: 'none' };
  if (method === 'OPTIONS' && isPreflightPath(segments)) return { kind: 'preflight' };
  let wrongMethod: { pattern: Pattern; allow: string[] } | undefined;
  for (const pattern of PATTERNS) {
    const params = bind(pattern.segments, segments);
    if (params === undefined) continue;
    if (pattern.method === method) return { kind: 'route', protocol: pattern.protocol, route: pattern.route, params } as RouteMatch;
    wrongMethod ??= { pattern, allow: [] };
    wrongMethod.allow.push(pattern.method);
  }
  if (wrongMethod === undefined) return { kind: 'none' };
  const { protocol, route } = wrongMethod.pattern;
  return { kind: 'method-not-allowed', protocol, route, allow: wrongMethod.allow.join(', ') };
}

function isPreflightPath(segments: readonly string[]): boolean {
  return startsWith(segments, SDK) || startsWith(segments, TEST) || PATTERNS.some((pattern) => bind(pattern.segments, segments) !== undefined);
}

function startsWith(segments: readonly string[], prefix: readonly string[]): boolean {
  return segments.length > prefix.length && prefix.every((segment, i) => segments[i] === segment);
}

function decodePath(url: string): string[] | undefined {
  const path = url.split('?', 1)[0] as string;
  if (!path.startsWith('/')) return undefined;
  try {
    return path.slice(1).split('/').map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

function bind(pattern: readonly string[], segments: readonly string[]): RouteParams | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: RouteParams = { project: '', environment: '', flagKey: '' };
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i] as string;
    const got = segments[i] as string;
    if (want.startsWith(':')) {
      if (got === '') return undefined;
      params[want.slice(1) as keyof RouteParams] = got;
    } else if (want !== got) {
      return undefined;
    }
  }
  return params;
}
