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
  /** The unfinished last line. */
  #buffer = '';
  /** The event's data lines so far, joined; `undefined` before its first `data` line. */
  #data: string | undefined;
  #event = '';
  #id = '';
  #started = false;
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
    if (!chunk) return;
    let text = this.#started ? chunk : chunk.replace(/^\uFEFF/, '');
    if (this.#afterCR) text = text.replace(/^\n/, '');
    this.#started = true;
    this.#afterCR = text.endsWith('\r');
    const lines = text.split(/\r\n|\r|\n/);
    lines[0] = this.#buffer + lines[0];
    this.#buffer = lines.pop()!;
    for (const line of lines) this.#line(line);
    if (this.#buffer.length > this.#maxEventBytes) throw this.#tooLarge('line');
  }

  #line(line: string): void {
    if (line === '') {
      const data = this.#data;
      const event = this.#event || 'message';
      this.#data = undefined;
      this.#event = '';
      if (data !== undefined) this.#onEvent({ event, data, id: this.#id });
      return;
    }
    // The field runs to the first colon (a line starting with one is a comment); one space after it is dropped.
    const [, field, value] = /^([^:]*):? ?(.*)$/s.exec(line)!;
    if (field === 'data') {
      this.#data = this.#data === undefined ? value! : `${this.#data}\n${value}`;
      if (this.#data.length >= this.#maxEventBytes) throw this.#tooLarge('event');
    } else if (field === 'event') this.#event = value!;
    else if (field === 'id' && !value!.includes('\0')) this.#id = value!;
    // `retry` and unknown fields are ignored.
  }

  #tooLarge(what: 'line' | 'event'): InvalidResponseError {
    return new InvalidResponseError(`stream ${what} exceeds the limit of ${this.#maxEventBytes} bytes (maxEventBytes)`);
  }
}
