/** Quoting for commands the CLI prints for copy and paste into a POSIX shell. */

/** `text` as one shell word: unchanged when it is plain, else single-quoted. */
export function shellQuote(text: string): string {
  return /^[\w./:@%+=,-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
