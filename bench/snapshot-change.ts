/**
 * Section 6 of the benchmarks, one flag type per process: `node --import tsx bench/snapshot-change.ts json`
 * prints the rows for JSON flags as a JSON array of [name, value]. One key changes in a snapshot of
 * 10,000 flags: `nextSnapshot` against a full rebuild and a `new Map` of the payload (baselines in the
 * same process), then a whole Cuttlegate load (parse, decode with its JSON texts kept, `nextSnapshot`).
 */
import { FlagSnapshot, diffSnapshots, nextSnapshot } from '../lib/client/state/snapshot.js';
import { bulkResults, type JsonTexts } from '../lib/transports/cuttlegate/wire.js';
import type { EvalResult, JsonValue } from '../lib/index.js';
import { boolFlags, changePayload, timedMs } from './support.js';

type Kind = 'bool' | 'string' | 'number' | 'json';

/** `count` flags of one type: bool `true`, a string, a number, or a small JSON object. */
function typedFlags(count: number, kind: Kind): EvalResult[] {
  return boolFlags(count).map((flag, i) => {
    if (kind === 'bool') return flag;
    const value: JsonValue = kind === 'string' ? `colour-${i % 7}` : kind === 'number' ? i * 10 : { limit: i, tags: ['a', 'b'], nested: { on: true } };
    return { ...flag, variant: kind === 'string' ? (value as string) : `v${i}`, value };
  });
}

/** `changePayload(flags, round)` as the Cuttlegate wire sends it: the response text. */
function cuttlegateBody(flags: EvalResult[], kind: Kind, round: number): string {
  const wire = changePayload(flags, round).map((f) => {
    const type = typeof f.value === 'boolean' ? 'bool' : kind;
    const text = typeof f.value === 'string' ? f.value : JSON.stringify(f.value);
    return { key: f.key, enabled: f.enabled, value: type === 'bool' ? null : text, value_key: text, reason: f.reason, type };
  });
  return JSON.stringify({ flags: wire, evaluated_at: flags[0]!.evaluatedAt });
}

/** The rows for one flag type. */
function changeRows(kind: Kind): Array<[string, string]> {
  const flags = typedFlags(10_000, kind);
  const payloads = [changePayload(flags, 0), changePayload(flags, 1)];
  let previous = FlagSnapshot.from(flags);
  const ours = timedMs(100, (r) => {
    const update = nextSnapshot(previous, payloads[r % 2]!);
    if (update.changes.length !== 1) throw new Error('expected exactly one change');
    previous = update.snapshot;
  });
  let old = FlagSnapshot.from(flags);
  const rebuild = timedMs(30, (r) => {
    const next = FlagSnapshot.from(payloads[r % 2]!);
    diffSnapshots(old, next);
    old = next;
  });
  const mapOnly = timedMs(100, (r) => new Map(payloads[r % 2]!.map((f) => [f.key, f])));
  // As a Cuttlegate session loads: each response parsed, decoded (its JSON texts kept from one load to the next) and applied.
  const bodies = [cuttlegateBody(flags, kind, 0), cuttlegateBody(flags, kind, 1)];
  const texts: JsonTexts = { last: new Map(), next: new Map() };
  const decode = (r: number): EvalResult[] => bulkResults(JSON.parse(bodies[r % 2]!), 'bench', '', texts).flags;
  let wired = FlagSnapshot.from(decode(1));
  const parseOnly = timedMs(100, (r) => JSON.parse(bodies[r % 2]!));
  const viaWire = timedMs(100, (r) => {
    const update = nextSnapshot(wired, decode(r));
    if (update.changes.length !== 1) throw new Error('expected exactly one change');
    wired = update.snapshot;
  });
  return [
    [
      `nextSnapshot, ${kind} values`,
      `${ours.toFixed(3)} ms median   full rebuild + diff ${rebuild.toFixed(3)} ms (${(rebuild / ours).toFixed(1)}× slower); new Map of the payload ${mapOnly.toFixed(3)} ms`,
    ],
    [`  a Cuttlegate load: JSON.parse, decode, nextSnapshot`, `${viaWire.toFixed(3)} ms median   (JSON.parse of the body alone ${parseOnly.toFixed(3)} ms)`],
  ];
}

const kind = process.argv[2] as Kind;
if (!['bool', 'string', 'number', 'json'].includes(kind)) throw new Error(`usage: snapshot-change.ts bool|string|number|json (got ${kind})`);
console.log(JSON.stringify(changeRows(kind)));
