/** Server-sent event fan-out for the Cuttlegate flag-change stream. */
import type { ServerResponse } from 'node:http';
import type { FlagStateChange } from './flag-store.js';
import { rfc3339Seconds } from './time.js';

interface Subscriber {
  readonly project: string;
  readonly environment: string;
  readonly res: ServerResponse;
  readonly heartbeat: NodeJS.Timeout;
}

/** Open SSE connections; each event goes to the streams of its own project and environment. */
export class StreamHub {
  readonly #subscribers = new Set<Subscriber>();
  readonly #waiters = new Set<() => void>();
  /** Interval of the `: keep-alive` comment, counted from each connect; applies to new connections. */
  heartbeatMs: number;
  /** While true, events are silently discarded (simulates lost events). */
  dropEvents = false;

  constructor(heartbeatMs: number) {
    this.heartbeatMs = heartbeatMs;
  }

  /** Number of open streams. */
  get size(): number {
    return this.#subscribers.size;
  }

  /** Answer 200 `text/event-stream`, flush the headers, and keep the response for events. */
  open(res: ServerResponse, project: string, environment: string): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    res.flushHeaders();
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), this.heartbeatMs);
    const subscriber: Subscriber = { project, environment, res, heartbeat };
    this.#subscribers.add(subscriber);
    res.once('close', () => this.#remove(subscriber));
    for (const wake of this.#waiters) wake();
  }

  /** Send one `flag.state_changed` event to the streams of its project and environment. Returns how many got it. */
  publish(change: FlagStateChange): number {
    if (this.dropEvents) return 0;
    const frame = `data: ${JSON.stringify({
      type: 'flag.state_changed',
      project: change.project,
      environment: change.environment,
      flag_key: change.flagKey,
      enabled: change.enabled,
      occurred_at: rfc3339Seconds(new Date()),
    })}\n\n`;
    let delivered = 0;
    for (const subscriber of this.#subscribers) {
      if (subscriber.project === change.project && subscriber.environment === change.environment) {
        subscriber.res.write(frame);
        delivered++;
      }
    }
    return delivered;
  }

  /** End every stream cleanly (EOF, no final event). Returns how many were open. */
  dropAll(): number {
    const count = this.#subscribers.size;
    for (const subscriber of [...this.#subscribers]) {
      this.#remove(subscriber);
      subscriber.res.end();
    }
    return count;
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
