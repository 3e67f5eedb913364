/** Reading a flags file from disk: JSON parsing with a located syntax error, then validation. */
import { readFile } from 'node:fs/promises';
import { FlagsFileError, validateFlagsDocument, type ValidatedFlags } from './flags-file.js';

/** A validated file plus the exact text it was read from (to skip no-op reloads). */
export interface LoadedFlags extends ValidatedFlags {
  /** The file's text as read. */
  text: string;
}

/** Read, parse and validate a flags file. Throws {@link FlagsFileError} for bad JSON or an invalid document. */
export async function readFlagsFile(file: string): Promise<LoadedFlags> {
  const text = await readFile(file, 'utf8');
  return { ...parseFlagsText(text, file), text };
}

/** Parse and validate flags-file text; `file` only names the source in errors. */
export function parseFlagsText(text: string, file?: string): ValidatedFlags {
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw new FlagsFileError([{ path: '', message: `invalid JSON: ${describeSyntaxError(error as Error, text)}` }], file);
  }
  return validateFlagsDocument(value, file);
}

/**
 * V8 quotes the text around an unexpected token, up to 10 characters either side, with `...` where
 * it cut (`Unexpected token ']', ..."0123456789",]}]"... is not valid JSON`): that text may be a key.
 */
const QUOTED = /, (\.\.\.)?"([\s\S]*)"(\.\.\.)? is not valid JSON$/;

/**
 * The engine's message without any text it quotes, plus line and column where it gives a position
 * or the quote tells it (the token is 10 characters after a cut start, or 10 before a cut end).
 */
function describeSyntaxError(error: Error, text: string): string {
  const quoted = QUOTED.exec(error.message);
  if (quoted === null) {
    const position = /position (\d+)/.exec(error.message);
    return position === null ? error.message : withLineAndColumn(error.message, text, Number(position[1]));
  }
  const [, cutStart, around = '', cutEnd] = quoted;
  const reason = `${error.message.slice(0, quoted.index)} in JSON`;
  const start = text.indexOf(around);
  if (start >= 0 && cutStart !== undefined) return withLineAndColumn(reason, text, start + 10);
  return start === 0 && cutEnd !== undefined ? withLineAndColumn(reason, text, around.length - 10) : reason;
}

function withLineAndColumn(message: string, text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${message} (line ${line}, column ${column})`;
}
