/** The route table: maps a method and path to a named route and its parameters. */

/** Every route the server knows, plus `unknown`. */
export type RouteName = 'health' | 'bulk' | 'single' | 'stream' | 'toggle' | 'unknown';

/** Path parameters of the Cuttlegate routes. */
export interface RouteParams {
  project: string;
  environment: string;
  flagKey: string;
}

/** A matched route, a known path with the wrong method, or nothing. */
export type RouteMatch =
  | { kind: 'route'; route: Exclude<RouteName, 'unknown'>; params: RouteParams }
  | { kind: 'method-not-allowed'; route: Exclude<RouteName, 'unknown'>; allow: string }
  | { kind: 'none' };

interface Pattern {
  route: Exclude<RouteName, 'unknown'>;
  method: string;
  /** Literal segments, or `:name` placeholders. */
  segments: readonly string[];
}

const ENV = ['api', 'v1', 'projects', ':project', 'environments', ':environment'];

/** Listed so that the literal `stream` path wins over a flag named `stream` for GET. */
const PATTERNS: readonly Pattern[] = [
  { route: 'health', method: 'GET', segments: ['healthz'] },
  { route: 'bulk', method: 'POST', segments: [...ENV, 'evaluate'] },
  { route: 'stream', method: 'GET', segments: [...ENV, 'flags', 'stream'] },
  { route: 'single', method: 'POST', segments: [...ENV, 'flags', ':flagKey', 'evaluate'] },
  { route: 'toggle', method: 'PATCH', segments: [...ENV, 'flags', ':flagKey'] },
];

/** Match a request. Path segments are percent-decoded; the query string is ignored. */
export function matchRoute(method: string, url: string): RouteMatch {
  const segments = decodePath(url);
  if (segments === undefined) return { kind: 'none' };
  let wrongMethod: { route: Exclude<RouteName, 'unknown'>; allow: string[] } | undefined;
  for (const pattern of PATTERNS) {
    const params = bind(pattern.segments, segments);
    if (params === undefined) continue;
    if (pattern.method === method) return { kind: 'route', route: pattern.route, params };
    wrongMethod ??= { route: pattern.route, allow: [] };
    wrongMethod.allow.push(pattern.method);
  }
  if (wrongMethod === undefined) return { kind: 'none' };
  return { kind: 'method-not-allowed', route: wrongMethod.route, allow: wrongMethod.allow.join(', ') };
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
