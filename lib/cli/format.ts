/** Text forms of flag results, changes and client status for the terminal. */
import type { ClientStatus, EvalResult, FlagChange } from '../types.js';
import { timestamp } from './log.js';

/** A value as JSON (strings quoted, so `"true"` and `true` differ); `-` for no value, `(absent)` for no flag. */
export function formatValue(result: EvalResult | undefined): string {
  if (result === undefined) return '(absent)';
  return result.value === undefined ? '-' : JSON.stringify(result.value);
}

/** One line per flag under a header: key, value, variant, reason, enabled; columns padded. */
export function formatTable(results: Iterable<EvalResult>, maxValueWidth = Infinity): string[] {
  const rows = [['KEY', 'VALUE', 'VARIANT', 'REASON', 'ENABLED']];
  for (const result of results) {
    rows.push([result.key, clip(formatValue(result), maxValueWidth), clip(result.variant, maxValueWidth), result.reason, String(result.enabled)]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
}

/**
 * `<time> <key> <old> → <new> (<reason>)`; the reason is `removed` when the flag is gone. When the
 * value stays the same (a flag switched off that already served its default), the line says what
 * changed instead: `<time> <key> <value> unchanged, switched off (<reason>)` or `… unchanged, reason <old> → <new>`.
 */
export function formatChange(change: FlagChange, at = new Date()): string {
  const { previous, current } = change;
  const before = formatValue(previous);
  const after = formatValue(current);
  if (previous !== undefined && current !== undefined && before === after) {
    const what =
      previous.enabled === current.enabled
        ? `reason ${previous.reason} → ${current.reason}`
        : `switched ${current.enabled ? 'on' : 'off'} (${current.reason})`;
    return `${timestamp(at)} ${change.key} ${after} unchanged, ${what}`;
  }
  return `${timestamp(at)} ${change.key} ${before} → ${after} (${current?.reason ?? 'removed'})`;
}

/** `ready (streaming)`, `stale: <error>`, …; the error message never carries the API key. */
export function formatStatus(status: ClientStatus): string {
  return `${status.state}${status.streaming ? ' (streaming)' : ''}${status.error ? `: ${status.error.message}` : ''}`;
}

/** The human line of `flagstream eval`: `key = value (variant …, reason …, on|off)`. */
export function formatResult(result: EvalResult): string {
  return `${result.key} = ${formatValue(result)} (variant ${JSON.stringify(result.variant)}, reason ${result.reason}, ${result.enabled ? 'on' : 'off'})`;
}

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}
