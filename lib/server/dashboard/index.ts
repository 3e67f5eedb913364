/**
 * The local server's dashboard: `GET /` and `/_dashboard/*`, for local development only. It is
 * served only on a loopback address and only to requests whose `Host` is a loopback name for this
 * port (so a page on another site cannot reach it through DNS rebinding). It hands the page the
 * flags document, keys included: the page needs the admin key to toggle and an API key per
 * environment to evaluate, and everything the page sees is already in the file on this machine.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FlagStateChange } from '../flag-store.js';
import type { FlagsDocument } from '../flags-file.js';
import { sendError, sendJson } from '../http.js';
import { DASHBOARD_CSS, DASHBOARD_HTML, DASHBOARD_ICON } from './page.js';
import { DASHBOARD_SCRIPT } from './script.js';

/** Heartbeat of the dashboard's event stream, ms. */
const HEARTBEAT_MS = 15_000;

const ASSETS: Readonly<Record<string, { type: string; body: string }>> = {
  '/': { type: 'text/html; charset=utf-8', body: DASHBOARD_HTML },
  '/_dashboard/app.js': { type: 'text/javascript; charset=utf-8', body: DASHBOARD_SCRIPT },
  '/_dashboard/style.css': { type: 'text/css; charset=utf-8', body: DASHBOARD_CSS },
  '/_dashboard/icon.svg': { type: 'image/svg+xml', body: DASHBOARD_ICON },
};

const SECURITY_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'self'; frame-ancestors 'none'",
};

/** Total size of the page, script, styles and icon in bytes (UTF-8). */
export const DASHBOARD_BYTES = Object.values(ASSETS).reduce((sum, asset) => sum + Buffer.byteLength(asset.body), 0);

/** Whether `host` (a bind address) is a loopback interface. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The dashboard's routes and its event stream. */
export interface Dashboard {
  /** Answer the request when it is a dashboard route; false leaves it to the API routes. */
  serve(req: IncomingMessage, res: ServerResponse): boolean;
  /** Tell every open page that a flag changed (a toggle or a reload). */
  publish(change: FlagStateChange): void;
  /** Tell every open page to read the document and the file's state again (the file broke or recovered). */
  refresh(): void;
}

/** What the page shows above the flags: the last load's warnings, and why the file is not served now (`null`: it is). */
export interface FileState {
  warnings: readonly string[];
  fileProblem: string | null;
}

/**
 * A dashboard over the server's live document and the state of its file: the warnings of its last load
 * (`path: message` lines) and, while the file is missing or invalid, why (served as
 * `/_dashboard/warnings.json` and shown above the flags).
 */
export function createDashboard(document: () => FlagsDocument, fileState: () => FileState): Dashboard {
  const pages = new Set<ServerResponse>();
  const openEvents = (res: ServerResponse): void => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', ...SECURITY_HEADERS, Connection: 'keep-alive' });
    res.write('retry: 1000\n\n');
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    pages.add(res);
    res.once('close', () => {
      clearInterval(heartbeat);
      pages.delete(res);
    });
  };
  return {
    serve(req, res) {
      const path = (req.url ?? '').split('?', 1)[0] as string;
      if (path !== '/' && !path.startsWith('/_dashboard/')) return false;
      if (!fromLoopbackName(req)) {
        sendError(res, 403, 'forbidden', 'the dashboard answers only on a loopback address such as 127.0.0.1 or localhost');
      } else if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendError(res, 405, 'method_not_allowed', 'method not allowed', { Allow: 'GET, HEAD' });
      } else if (path === '/_dashboard/events') {
        openEvents(res);
      } else if (path === '/_dashboard/flags.json') {
        sendJson(res, 200, document(), SECURITY_HEADERS);
      } else if (path === '/_dashboard/warnings.json') {
        sendJson(res, 200, fileState(), SECURITY_HEADERS);
      } else {
        const asset = ASSETS[path];
        if (asset === undefined) sendError(res, 404, 'not_found', 'resource not found');
        else {
          res.writeHead(200, { 'Content-Type': asset.type, 'Content-Length': Buffer.byteLength(asset.body), ...SECURITY_HEADERS });
          res.end(req.method === 'HEAD' ? undefined : asset.body);
        }
      }
      return true;
    },
    publish(change) {
      const frame = `data: ${JSON.stringify({ project: change.project, environment: change.environment, flagKey: change.flagKey, enabled: change.enabled })}\n\n`;
      for (const page of pages) page.write(frame);
    },
    refresh() {
      for (const page of pages) page.write('data: {}\n\n');
    },
  };
}

/** Whether the `Host` header names a loopback address on the port the request arrived on. */
function fromLoopbackName(req: IncomingMessage): boolean {
  const match = /^(\[::1\]|localhost|127\.\d+\.\d+\.\d+):(\d+)$/.exec(req.headers.host ?? '');
  return match !== null && Number(match[2]) === req.socket.localPort;
}
