import { InvalidResponseError } from '../errors.js';

/** One dispatched server-sent event. */
export interface ParsedSseEvent {
  /** The `event:` field, or `message` when the server sent none. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
}

/** Default cap on one line and on one event's data, bytes (UTF-16 code units, close enough). */
export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;

/**
 * An incremental `text/event-stream` parser, per the HTML SSE spec: lines end with LF, CRLF or CR
 * (a CR at the end of one chunk and an LF at the start of the next are one line end, even with empty
 * chunks between them); `data` lines are joined with `\n`; `event:` names the event; lines starting
 * with `:` are comments (heartbeats); one space after the colon is dropped; `id:`, `retry:` and
 * unknown fields are ignored (a reconnected stream is followed by a full refetch, not resumed from an
 * id, and the client runs its own backoff); a blank line dispatches; an event with no data is not
 * dispatched; a partial event at the end of the stream is dropped (a leading BOM is the decoder's to
 * skip: `TextDecoder` does, so {@link sse} never feeds one). A line
 * or an event larger than `maxEventBytes` throws `InvalidResponseError`, its message led by `where`.
 * Returns the function that feeds it decoded text, calling `onEvent` for every event it completes.
 */
export function sseParser(
  onEvent: (event: ParsedSseEvent) => void,
  maxEventBytes = DEFAULT_MAX_EVENT_BYTES,
  where = 'stream',
): (chunk: string) => void {
  /** The unfinished last line. */
  let buffer = '';
  /** The event's data lines so far, joined; `undefined` before its first `data` line. */
  let data: string | undefined;
  let event = '';
  let afterCR = false;
  const tooLarge = (what: string): InvalidResponseError =>
    new InvalidResponseError(`${where}: ${what} over maxEventBytes (${maxEventBytes} bytes)`);

  return (chunk) => {
    // An empty chunk changes nothing: above all it must not forget a CR that an LF may still complete.
    if (!chunk) return;
    const text = afterCR ? chunk.replace(/^\n/, '') : chunk;
    afterCR = text.endsWith('\r');
    // Only the new text is split (rescanning the held line on every chunk is quadratic in a long line);
    // the held line holds no CR (every CR ends a line), so it just leads the first piece.
    const lines = text.split(/\r\n?|\n/);
    lines[0] = buffer + lines[0];
    buffer = lines.pop()!;
    for (const line of lines) {
      if (!line) {
        // A blank line dispatches the event (one with data) and starts the next.
        if (data !== undefined) onEvent({ event: event || 'message', data });
        data = undefined;
        event = '';
        continue;
      }
      // The field runs to the first colon (a line starting with one is a comment); one space after it is dropped.
      const [, field, value = ''] = /^([^:]*):? ?(.*)$/s.exec(line)!;
      if (field === 'data') {
        data = data === undefined ? value : `${data}\n${value}`;
        if (data.length >= maxEventBytes) throw tooLarge('event');
      } else if (field === 'event') event = value;
      // `id`, `retry` and unknown fields are ignored.
    }
    if (buffer.length > maxEventBytes) throw tooLarge('line');
  };
}
