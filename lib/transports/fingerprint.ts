/**
 * A short one-way fingerprint of a secret (FNV-1a, 32 bits, hex): two keys of the same server get
 * different stored-record scopes, and the key itself cannot be read back from the scope.
 */
export function fingerprint(secret: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < secret.length; i++) {
    hash ^= secret.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}
