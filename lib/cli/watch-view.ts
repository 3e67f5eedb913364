/**
 * How `watch` and `dev` show flags: a table redrawn in place on a terminal, or an initial listing
 * followed by one line per change when the output is piped.
 */
import type { FlagSnapshot } from '../client/state/snapshot.js';
import type { ClientStatus, FlagChange } from '../types.js';
import { formatChange, formatStatus, formatTable } from './format.js';
import { timestamp } from './log.js';

/** What the watcher tells a view. */
export interface FlagView {
  /** Lines shown above everything else (printed once when piped). */
  header(lines: readonly string[]): void;
  /** A new snapshot; the first one is the initial listing. */
  flags(snapshot: FlagSnapshot): void;
  /** One changed flag (never called for the first snapshot's own flags). */
  change(change: FlagChange): void;
  /** A status that differs from the last one shown. */
  status(status: ClientStatus): void;
  /** A log message (server reloads, warnings). */
  note(message: string): void;
}

/** Minimal writable: `process.stdout`, `process.stderr`, or a test buffer. */
export interface TextOut {
  write(text: string): unknown;
}

/** Line mode for pipes and files: listing, then `<time> <key> <old> → <new> (<reason>)` lines; notes go to `err`. */
export function pipedView(out: TextOut, err: TextOut): FlagView {
  let listed = false;
  const line = (text: string): void => void out.write(`${text}\n`);
  return {
    header: (lines) => lines.forEach(line),
    flags(snapshot) {
      if (listed) return;
      listed = true;
      line(`${timestamp()} ${snapshot.size} flag${snapshot.size === 1 ? '' : 's'}:`);
      formatTable(snapshot.values()).forEach((row) => line(`  ${row}`));
    },
    change: (change) => line(formatChange(change)),
    status: (status) => line(`${timestamp()} status: ${formatStatus(status)}`),
    note: (message) => void err.write(`${timestamp()} ${message}\n`),
  };
}

/** Most recent changes and notes a terminal view keeps on screen. */
const RECENT_CHANGES = 8;
const RECENT_NOTES = 5;
/** Widest value or variant shown in the terminal table. */
const MAX_VALUE_WIDTH = 48;
/** Cursor home, then clear the screen. */
const CLEAR = '\x1b[H\x1b[2J';

/** Terminal mode: every update redraws header, status, table, recent changes and notes in place. */
export function ttyView(out: TextOut): FlagView {
  let header: readonly string[] = [];
  let snapshot: FlagSnapshot | undefined;
  let status = 'initializing';
  const changes: string[] = [];
  const notes: string[] = [];
  const keep = (list: string[], item: string, max: number): void => {
    list.push(item);
    if (list.length > max) list.shift();
  };
  const draw = (): void => {
    const lines = [...header, `status: ${status}`, ''];
    lines.push(...(snapshot === undefined ? ['(waiting for flags…)'] : formatTable(snapshot.values(), MAX_VALUE_WIDTH)));
    if (changes.length > 0) lines.push('', 'Recent changes:', ...changes.map((c) => `  ${c}`));
    if (notes.length > 0) lines.push('', ...notes);
    out.write(`${CLEAR}${lines.join('\n')}\n`);
  };
  return {
    header(lines) {
      header = [...lines, ''];
      draw();
    },
    flags(next) {
      snapshot = next;
      draw();
    },
    change(change) {
      keep(changes, formatChange(change), RECENT_CHANGES);
      draw();
    },
    status(next) {
      status = `${formatStatus(next)} (since ${timestamp(new Date(next.since))})`;
      draw();
    },
    note(message) {
      keep(notes, `${timestamp()} ${message}`, RECENT_NOTES);
      draw();
    },
  };
}

/** The terminal view when `out` is a TTY, else line mode. */
export function viewFor(out: TextOut & { isTTY?: boolean }, err: TextOut): FlagView {
  return out.isTTY ? ttyView(out) : pipedView(out, err);
}
