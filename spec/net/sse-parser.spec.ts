import { describe, expect, it } from 'vitest';
import { InvalidResponseError } from '../../lib/errors.js';
import { sseParser, type ParsedSseEvent } from '../../lib/net/sse-parser.js';

/** Feeds `chunks` in order and returns the dispatched events. */
function parse(chunks: string[], maxEventBytes?: number): ParsedSseEvent[] {
  const events: ParsedSseEvent[] = [];
  const feed = sseParser((event) => events.push(event), maxEventBytes);
  for (const chunk of chunks) feed(chunk);
  return events;
}

describe('sseParser', () => {
  it('accepts LF, CRLF and CR line ends, mixed', () => {
    expect(parse(['data: a\n\ndata: b\r\n\r\ndata: c\r\rdata: d\n\r\n']).map((e) => e.data)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('treats a CR at the end of one chunk and an LF at the start of the next as one line end', () => {
    expect(parse(['data: a\r', '\ndata: b\r', '\n\r', '\n']).map((e) => e.data)).toEqual(['a\nb']);
  });

  it('joins multi-line data with \\n and keeps empty data lines', () => {
    expect(parse(['data: one\ndata:two\ndata\ndata:  four\n\n'])[0]!.data).toBe('one\ntwo\n\n four');
  });

  it('names events with event:, defaults to message, and resets the name after each event', () => {
    const events = parse(['event: init\ndata: {}\n\ndata: x\n\n']);
    expect(events.map((e) => e.event)).toEqual(['init', 'message']);
  });

  it('ignores comments (heartbeats), id:, retry:, unknown fields, and events without data', () => {
    const events = parse([': keep-alive\n\nid: 7\nretry: 86400000\n\nfoo: bar\nevent: x\n\n:ping\nid: x\0y\ndata: real\n\n']);
    expect(events).toEqual([{ event: 'message', data: 'real' }]);
  });

  it('reads a BOM as text: a leading one is the decoder\'s to drop, so a BOM-led field is unknown', () => {
    expect(parse(['\uFEFFdata: a\n\ndata: b\n\n']).map((e) => e.data)).toEqual(['b']);
  });

  it('handles a field split across chunks, byte by byte', () => {
    const text = 'event: flag-changed\r\ndata: {"key":"a"}\r\n\r\n';
    expect(parse([...text])).toEqual([{ event: 'flag-changed', data: '{"key":"a"}' }]);
  });

  it('drops a partial event at the end of the stream', () => {
    expect(parse(['data: a\n\ndata: b\n'])).toHaveLength(1);
  });

  it('refuses a line longer than the limit, even without a line end', () => {
    expect(() => parse(['data: ', 'x'.repeat(600), 'x'.repeat(600)], 1_000)).toThrow(InvalidResponseError);
    expect(() => parse([`: ${'x'.repeat(2_000)}`], 1_000)).toThrow(/line over maxEventBytes \(1000 bytes\)/);
  });

  it('reads a long line in small chunks in linear time (a Rollgate init event is one line of every flag)', () => {
    // 1 MB in 256-char chunks: ~2 ms when only new text is scanned; rescanning the held line on
    // every chunk costs ~2.5 s here. The bound leaves the linear parser 100× headroom on a busy machine.
    const piece = 'x'.repeat(256);
    const events: ParsedSseEvent[] = [];
    const feed = sseParser((event) => events.push(event), 2 * 1024 * 1024);
    const start = performance.now();
    feed('data: ');
    for (let n = 0; n < 1_000_000; n += piece.length) feed(piece);
    feed('\n\n');
    const elapsed = performance.now() - start;
    expect(events.map((e) => e.data.length)).toEqual([1_000_192]);
    expect(elapsed).toBeLessThan(250);
  });

  it('refuses an event whose data lines add up past the limit', () => {
    const lines = Array.from({ length: 20 }, () => `data: ${'x'.repeat(100)}\n`).join('');
    expect(() => parse([lines], 1_000)).toThrow(InvalidResponseError);
    expect(parse([lines + '\n'], 10_000)).toHaveLength(1);
  });
});
