/** Small helpers for node:http responses and bounded request bodies. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The request body exceeded the configured limit. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}

/** The wire text of a JSON response: one document followed by `\n`. */
export function jsonText(body: unknown): string {
  return `${JSON.stringify(body)}\n`;
}

/** Send one JSON document followed by `\n`. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJsonText(res, status, jsonText(body), headers);
}

/** Send already serialized JSON text (see {@link jsonText}). */
export function sendJsonText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Send a `{"error","message"}` body. */
export function sendError(res: ServerResponse, status: number, error: string, message: string, headers?: Record<string, string>): void {
  sendJson(res, status, { error, message }, headers);
}

/**
 * CORS headers for browser SDKs, sent on every route of every protocol (a local-server convenience):
 * any origin, every method the routes use, the request headers the SDKs send (listed, since `*`
 * does not cover `Authorization`; it still admits the rest), and `ETag`/`Retry-After` exposed.
 */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-API-Key, If-None-Match, Last-Event-ID, *',
  'Access-Control-Expose-Headers': 'ETag, Retry-After',
};

/** Set {@link CORS_HEADERS} on a response before it is written. */
export function allowCors(res: ServerResponse): void {
  for (const [name, value] of Object.entries(CORS_HEADERS)) res.setHeader(name, value);
}

/**
 * Read the whole body as UTF-8, failing fast (by `Content-Length` or while reading) past `limit`
 * bytes. The request is left undestroyed so a 413 can still be sent on its socket.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData).off('end', onEnd).off('error', reject);
      reject(new BodyTooLargeError(limit));
    };
    const onEnd = (): void => resolve(Buffer.concat(chunks).toString('utf8'));
    req.on('data', onData).once('end', onEnd).once('error', reject);
  });
}

/**
 * {@link readBody}, answering 413 through `tooLarge` (with the message) and resolving undefined
 * when the body exceeds `limit`.
 */
export async function readBodyWithin(
  req: IncomingMessage,
  limit: number,
  tooLarge: (message: string) => void,
): Promise<string | undefined> {
  try {
    return await readBody(req, limit);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    tooLarge(error.message);
    return undefined;
  }
}
