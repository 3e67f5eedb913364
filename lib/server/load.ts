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

/** The engine's message, plus line and column when it gives a position. */
function describeSyntaxError(error: Error, text: string): string {
  const position = /position (\d+)/.exec(error.message);
  if (position === null) return error.message;
  const before = text.slice(0, Number(position[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${error.message} (line ${line}, column ${column})`;
}
