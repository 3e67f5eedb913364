/**
 * OFREP change notifications (protocol doc §9, §11): opaque stream channels that stand for API keys
 * (so an `EventSource` needs no headers and the key never appears in a URL), the configuration
 * version, and one `refetchEvaluation` per configuration change to the streams it concerns.
 */
import { randomBytes } from 'node:crypto';
import type { FlagStateChange } from './flag-store.js';
import { sseFrame, type StreamHub, type StreamProtocol } from './stream-hub.js';

/** The OFREP stream: no initial frame, `: ping` every 15 s; per-flag changes send nothing (see {@link OfrepNotifier}). */
export const ofrepStream: StreamProtocol = {
  heartbeat: 'ping',
  defaultHeartbeatMs: 15_000,
  frame: () => undefined,
};

/** Random channel tokens, one per API key for the server's lifetime. */
export class OfrepChannels {
  readonly #tokens = new Map<string, string>();
  readonly #keys = new Map<string, string>();

  /** The channel token of an API key (created on first use). */
  tokenFor(apiKey: string): string {
    let token = this.#tokens.get(apiKey);
    if (token === undefined) {
      token = randomBytes(18).toString('base64url');
      this.#tokens.set(apiKey, token);
      this.#keys.set(token, apiKey);
    }
    return token;
  }

  /** The API key a channel token stands for, or undefined for an unknown token. */
  keyOf(token: string): string | undefined {
    return this.#keys.get(token);
  }
}

/**
 * The flag-configuration version (the same for every user) and its change notifications. The
 * server calls {@link OfrepNotifier.changed} after the new state is live, so a bulk request made
 * on receipt of the event already sees it.
 */
export class OfrepNotifier {
  #version = 1;
  #lastModified = epochSeconds();

  constructor(private readonly hub: StreamHub) {}

  /** The configuration version as a quoted entity tag, e.g. `"3"`. */
  get configEtag(): string {
    return `"${this.#version}"`;
  }

  /** When the configuration last changed (server start at first), Unix seconds. */
  get lastModified(): number {
    return this.#lastModified;
  }

  /**
   * Record one configuration change (nothing when `changes` is empty) and send one
   * `refetchEvaluation` (`id:` = the new version) to every OFREP stream of each affected project
   * and environment. Returns how many streams got it.
   */
  changed(changes: readonly FlagStateChange[]): number {
    if (changes.length === 0) return 0;
    this.#version++;
    this.#lastModified = epochSeconds();
    const frame = sseFrame({ type: 'refetchEvaluation', etag: this.configEtag, lastModified: this.#lastModified }, 'message', this.#version);
    const scopes = new Set(changes.map((change) => JSON.stringify([change.project, change.environment])));
    let delivered = 0;
    for (const scope of scopes) {
      const [project, environment] = JSON.parse(scope) as [string, string];
      delivered += this.hub.broadcast(ofrepStream, project, environment, frame);
    }
    return delivered;
  }
}

function epochSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
