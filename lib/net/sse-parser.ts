import { InvalidResponseError } from '../errors.js';

/** One dispatched server-sent event. */
export interface ParsedSseEvent {
  /** The `event:` field, or `message` when the server sent none. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** The last `id:` seen on the stream so far (`''` when none). */
  id: string;
}

/** Default cap on one line and on one event's data, bytes (UTF-16 code units, close enough). */
export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;

/**
 * An incremental `text/event-stream` parser, per the HTML SSE spec: lines end with LF, CRLF or CR
 * (a CR at the end of one chunk and an LF at the start of the next are one line end, even with empty
 * chunks between them); `data` lines
 * are joined with `\n`; `event:` names the event; `id:` sets the last event id (ignored if it holds
 * a NUL); lines starting with `:` are comments (heartbeats); one space after the colon is dropped;
 * `retry:` and unknown fields are ignored (the client runs its own backoff); a blank line dispatches;
 * an event with no data is not dispatched; a leading BOM is skipped; a partial event at the end of
 * the stream is dropped. A line or an event larger than `maxEventBytes` throws `InvalidResponseError`.
 */
export class SseParser {
  #buffer = '';
  #data: string[] = [];
  #dataSize = 0;
  #eventName = '';
  #lastId = '';
  #atStart = true;
  #afterCR = false;
  readonly #onEvent: (event: ParsedSseEvent) => void;
  readonly #maxEventBytes: number;

  constructor(onEvent: (event: ParsedSseEvent) => void, maxEventBytes = DEFAULT_MAX_EVENT_BYTES) {
    this.#onEvent = onEvent;
    this.#maxEventBytes = maxEventBytes;
  }

  /** Feeds decoded text; calls `onEvent` for every event it completes. */
  feed(chunk: string): void {
    // An empty chunk changes nothing: above all it must not forget a CR that an LF may still complete.
    if (chunk.length === 0) return;
    let text = chunk;
    if (this.#atStart) {
      this.#atStart = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.#afterCR && text.startsWith('\n')) text = text.slice(1);
    this.#afterCR = false;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const char = text.charCodeAt(i);
      if (char !== 0x0a && char !== 0x0d) continue;
      this.#line(this.#buffer + text.slice(start, i));
      this.#buffer = '';
      if (char === 0x0d) {
        if (i + 1 === text.length) this.#afterCR = true;
        else if (text.charCodeAt(i + 1) === 0x0a) i++;
      }
      start = i + 1;
    }
    this.#buffer += text.slice(start);
    if (this.#buffer.length > this.#maxEventBytes) throw this.#tooLarge('line');
  }

  #line(line: string): void {
    if (line === '') return this.#dispatch();
    if (line.charCodeAt(0) === 0x3a) return; // comment
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.#dataSize += value.length + 1;
        if (this.#dataSize > this.#maxEventBytes) throw this.#tooLarge('event');
        this.#data.push(value);
        break;
      case 'event':
        this.#eventName = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.#lastId = value;
        break;
      default:
        // `retry` and unknown fields are ignored.
        break;
    }
  }

  #dispatch(): void {
    const data = this.#data;
    const event = this.#eventName || 'message';
    this.#data = [];
    this.#dataSize = 0;
    this.#eventName = '';
    if (data.length === 0) return;
    this.#onEvent({ event, data: data.join('\n'), id: this.#lastId });
  }

  #tooLarge(what: 'line' | 'event'): InvalidResponseError {
    return new InvalidResponseError(`stream ${what} exceeds the limit of ${this.#maxEventBytes} bytes (maxEventBytes)`);
  }
}
