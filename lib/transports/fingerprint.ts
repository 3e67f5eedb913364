/**
 * A one-way fingerprint of a secret (FNV-1a, 64 bits, hex): two keys of the same server get different
 * stored-record and fleet scopes (in 32 bits, two of some 80,000 keys, as a process holding a key per
 * tenant may, likely shared one), and the key itself cannot be read back from the scope.
 */
export function fingerprint(secret: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < secret.length; i++) hash = BigInt.asUintN(64, (hash ^ BigInt(secret.charCodeAt(i))) * 0x100000001b3n);
  return hash.toString(16).padStart(16, '0');
}
