import type { Logger } from '../../lib/index.js';

/** A logger that keeps what it is given, and the lines it kept. */
export interface LogCapture {
  /** One line a call: the message and its extra arguments, joined by spaces. */
  lines: string[];
  logger: Logger;
}

/** A fresh logger whose warnings and errors are all kept in `lines`. */
export function captureLog(): LogCapture {
  const lines: string[] = [];
  const record = (message: string, ...rest: unknown[]): void => {
    lines.push([message, ...rest.map(String)].join(' '));
  };
  return { lines, logger: { warn: record, error: record } };
}
