/**
 * Replaces every occurrence of the secrets (a key, a URL carrying a token, …) in an error's message
 * and stack, in place, so no error text from a lower layer can show them. Returns the error.
 */
export function redact(error: unknown, secrets: readonly string[]): unknown {
  if (!(error instanceof Error)) return error;
  for (const secret of secrets) {
    if (secret === '') continue;
    if (error.message.includes(secret)) error.message = error.message.split(secret).join('[redacted]');
    if (error.stack?.includes(secret)) error.stack = error.stack.split(secret).join('[redacted]');
  }
  return error;
}
