/**
 * Server-sent event fan-out shared by every protocol's stream route: open connections with their
 * heartbeat, scoped to one project and environment; each protocol decides the frame it sends.
 */
import type { ServerResponse } from 'node:http';
import type { FlagStateChange } from './flag-store.js';

/** How one stream is framed. */
export interface StreamProtocol {
  /** Heartbeat comment text (without `: `), e.g. `keep-alive`. */
  readonly heartbeat: string;
  /** Heartbeat interval when the server was given none, ms. */
  readonly defaultHeartbeatMs: number;
  /** Sent once, right after the headers (Rollgate `init`). */
  readonly initial?: string;
  /** The frame(s) for a change, or undefined to send nothing. */
  frame(change: FlagStateChange): string | undefined;
}

/** One SSE frame: optional `id:` and `event:` lines, and a `data:` line. */
export function sseFrame(data: unknown, event?: string, id?: string | number): string {
  return `${id === undefined ? '' : `id: ${id}\n`}${event === undefined ? '' : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`;
}

interface Subscriber {
  readonly project: string;
  readonly environment: string;
  readonly res: ServerResponse;
  readonly protocol: StreamProtocol;
  readonly heartbeat: NodeJS.Timeout;
  readonly admits: () => boolean;
}

/** Open SSE connections; each change goes to the streams of its own project and environment. */
export class StreamHub {
  readonly #subscribers = new Set<Subscriber>();
  readonly #waiters = new Set<() => void>();
  /** Heartbeat interval for connections opened from now on; undefined = each protocol's default. */
  heartbeatMs: number | undefined;
  /** While true, change events are silently discarded (simulates lost events). */
  dropEvents = false;

  constructor(heartbeatMs?: number) {
    this.heartbeatMs = heartbeatMs;
  }

  /** Number of open streams (every protocol). */
  get size(): number {
    return this.#subscribers.size;
  }

  /**
   * Answer 200 `text/event-stream`, flush the headers (and the initial frame), and keep the response
   * for events. `admits` repeats the route's key check; {@link StreamHub.endRevoked} asks it again.
   */
  open(res: ServerResponse, project: string, environment: string, protocol: StreamProtocol, admits: () => boolean): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    if (protocol.initial === undefined) res.flushHeaders();
    else res.write(protocol.initial);
    const comment = `: ${protocol.heartbeat}\n\n`;
    const heartbeat = setInterval(() => res.write(comment), this.heartbeatMs ?? protocol.defaultHeartbeatMs);
    const subscriber: Subscriber = { project, environment, res, protocol, heartbeat, admits };
    this.#subscribers.add(subscriber);
    res.once('close', () => this.#remove(subscriber));
    for (const wake of this.#waiters) wake();
  }

  /** Send a change to the streams of its project and environment. Returns how many got a frame. */
  publish(change: FlagStateChange): number {
    if (this.dropEvents) return 0;
    let delivered = 0;
    for (const subscriber of this.#subscribers) {
      if (subscriber.project !== change.project || subscriber.environment !== change.environment) continue;
      const frame = subscriber.protocol.frame(change);
      if (frame === undefined) continue;
      subscriber.res.write(frame);
      delivered++;
    }
    return delivered;
  }

  /**
   * Send one frame to the streams of `protocol` in a project and environment (a notification that
   * is not per flag). Honours {@link StreamHub.dropEvents}. Returns how many got it.
   */
  broadcast(protocol: StreamProtocol, project: string, environment: string, frame: string): number {
    if (this.dropEvents) return 0;
    let delivered = 0;
    for (const subscriber of this.#subscribers) {
      if (subscriber.protocol !== protocol || subscriber.project !== project || subscriber.environment !== environment) continue;
      subscriber.res.write(frame);
      delivered++;
    }
    return delivered;
  }

  /** End every stream cleanly (EOF, no final event). Returns how many were open. */
  dropAll(): number {
    return this.#end(() => true);
  }

  /**
   * End (EOF) the streams whose key no longer admits them to their project and environment: after a
   * reload removed or re-scoped the key, they would carry another scope's events. The client's
   * reconnect then gets the route's answer for the key now (401, 403, or the new scope).
   */
  endRevoked(): number {
    return this.#end((subscriber) => !subscriber.admits());
  }

  #end(which: (subscriber: Subscriber) => boolean): number {
    const ended = [...this.#subscribers].filter(which);
    for (const subscriber of ended) {
      this.#remove(subscriber);
      subscriber.res.end();
    }
    return ended.length;
  }

  /** Resolves once at least `count` streams are open; rejects after `timeoutMs`. */
  waitForStreams(count: number, timeoutMs: number): Promise<void> {
    if (this.size >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      const check = (): void => {
        if (this.size < count) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${count} open stream(s); ${this.size} open`));
      }, timeoutMs);
      this.#waiters.add(check);
    });
  }

  #remove(subscriber: Subscriber): void {
    clearInterval(subscriber.heartbeat);
    this.#subscribers.delete(subscriber);
  }
}
