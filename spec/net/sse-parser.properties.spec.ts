import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sseParser, type ParsedSseEvent } from '../../lib/net/sse-parser.js';

/** Feeds `chunks` in order and returns the dispatched events. */
function parse(chunks: readonly string[]): ParsedSseEvent[] {
  const events: ParsedSseEvent[] = [];
  const feed = sseParser((event) => events.push(event));
  for (const chunk of chunks) feed(chunk);
  return events;
}

/** Every split of `text` in two, each also with an empty chunk between the halves and around them. */
function everySplit(text: string): string[][] {
  const splits: string[][] = [];
  for (let i = 0; i <= text.length; i++) {
    const head = text.slice(0, i);
    const tail = text.slice(i);
    splits.push([head, tail], [head, '', tail], ['', head, '', '', tail, '']);
  }
  return splits;
}

/** Cuts `text` at the given offsets (any order, repeats allowed: a repeat makes an empty chunk). */
function chunked(text: string, cuts: number[]): string[] {
  const points = cuts.map((cut) => cut % (text.length + 1)).sort((a, b) => a - b);
  const chunks: string[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(text.slice(start, point));
    start = point;
  }
  chunks.push(text.slice(start));
  return chunks;
}

type Line =
  | { kind: 'data' | 'event' | 'id' | 'retry'; value: string }
  | { kind: 'comment'; value: string }
  | { kind: 'unknown'; value: string };

const LF = '\n';
const CRLF = '\r\n';
const CR = '\r';
const ending = fc.constantFrom(LF, CRLF, CR);
/** Field text: anything but a line end (a NUL now and then). */
const text = fc
  .array(fc.oneof(fc.constantFrom('{', '"', ':', ' ', '\0', '\uFEFF'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), { maxLength: 12 })
  .map((units) => units.join('')).map((value) =>
  value.replace(/[\r\n]/g, ''),
);
const json = fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value));
const line: fc.Arbitrary<Line> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('data' as const), value: fc.oneof(json, text) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('event' as const), value: fc.constantFrom('message', 'init', 'flag-changed', 'x') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('id' as const), value: text }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('retry' as const), value: fc.nat().map(String) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('comment' as const), value: fc.constantFrom('', 'ping', ' keep-alive') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unknown' as const), value: text }) },
);
/** A stream: events (a few lines each, then a blank line); as decoded text, so never led by a BOM. */
const stream = fc.record({
  events: fc.array(fc.array(line, { maxLength: 5 }), { maxLength: 6 }),
});

function render(line: Line): string {
  switch (line.kind) {
    case 'comment':
      return `:${line.value}`;
    case 'unknown':
      return `x-field: ${line.value}`;
    default:
      return `${line.kind}: ${line.value}`;
  }
}

/** The stream's text; `endingAt(i)` picks the line end of the i-th line. */
function streamText(value: { events: Line[][] }, endingAt: (i: number) => string): string {
  let out = '';
  let i = 0;
  for (const event of value.events) {
    for (const item of event) out += render(item) + endingAt(i++);
    out += endingAt(i++);
  }
  return out;
}

/** What the SSE spec says the stream dispatches, computed from its structure. */
function expected(value: { events: Line[][] }): ParsedSseEvent[] {
  const events: ParsedSseEvent[] = [];
  for (const lines of value.events) {
    const data: string[] = [];
    let name = '';
    for (const item of lines) {
      if (item.kind === 'data') data.push(item.value);
      else if (item.kind === 'event') name = item.value;
    }
    if (data.length > 0) events.push({ event: name || 'message', data: data.join('\n') });
  }
  return events;
}

/** Streams as the three servers send them (from the protocol documents), in each line-end style. */
const REAL_STREAMS = [
  ': connected\n\ndata: {"type":"flag.state_changed","project":"my-project","environment":"production","flag_key":"dark-mode","enabled":true,"occurred_at":"2026-03-20T10:01:00Z"}\n\n: ping\n\n',
  'event: init\ndata: {"flags":{"disabled-flag":false,"enabled-flag":true,"rollout-50":true}}\n\nevent: flag-changed\ndata: {"enabled":false,"key":"enabled-flag"}\n\n',
  'retry: 5000\nid: evt-1234\nevent: message\ndata: {"type":"refetchEvaluation",\ndata: "etag":"\\"abc123\\"","lastModified":1771622898}\n\n',
].flatMap((text) => [text, text.replace(/\n/g, CRLF), text.replace(/\n/g, CR)]);

describe('sseParser, property: chunking never changes what is dispatched', () => {
  it('keeps a CRLF whole when an empty chunk falls between the CR and the LF', () => {
    expect(parse(['data: a\r', '', '\ndata: b\r\n\r\n'])).toEqual([{ event: 'message', data: 'a\nb' }]);
  });

  it('real streams (LF, CRLF, CR): every split, with empty chunks, gives the events of the whole text', () => {
    for (const text of REAL_STREAMS) {
      const whole = parse([text]);
      expect(whole.length).toBeGreaterThan(0);
      for (const chunks of everySplit(text)) expect(parse(chunks)).toEqual(whole);
    }
  });

  it('generated streams with one line-end style dispatch exactly what the SSE spec says, however they are chunked', () => {
    fc.assert(
      fc.property(stream, ending, fc.array(fc.nat(), { maxLength: 40 }), (value, end, cuts) => {
        const text = streamText(value, () => end);
        const want = expected(value);
        expect(parse([text])).toEqual(want);
        expect(parse(chunked(text, cuts))).toEqual(want);
        expect(parse([...text])).toEqual(want);
      }),
      { numRuns: 400 },
    );
  });

  it('generated streams with mixed line ends: every split and random chunkings give the events of the whole text', () => {
    fc.assert(
      fc.property(stream, fc.array(ending, { minLength: 1, maxLength: 40 }), fc.array(fc.nat(), { maxLength: 40 }), (value, ends, cuts) => {
        const text = streamText(value, (i) => ends[i % ends.length]!);
        const whole = parse([text]);
        for (const chunks of everySplit(text)) expect(parse(chunks)).toEqual(whole);
        expect(parse(chunked(text, cuts))).toEqual(whole);
      }),
      { numRuns: 150 },
    );
  });
});
