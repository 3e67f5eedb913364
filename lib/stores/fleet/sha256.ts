/**
 * SHA-256 of a UTF-8 string, synchronous and dependency-free (FIPS 180-4), so the stores entry
 * loads in a browser too (no `node:crypto`). Used only to name Redis keys, Web Storage keys and tab
 * locks after scopes.
 */

/** The first 64 primes. */
const PRIMES: number[] = [];
for (let n = 2; PRIMES.length < 64; n += 1) if (PRIMES.every((p) => n % p)) PRIMES.push(n);

/**
 * The first 32 bits of the fractional parts of the primes' `n`th roots, as the standard defines its
 * constants (none lies within 0.005 of a 32-bit step, so a root a few ulps off gives the same bits).
 */
const roots = (n: number): number[] => PRIMES.map((p) => ((p ** (1 / n)) % 1) * 2 ** 32 | 0);
const K = roots(3);
const H0 = roots(2).slice(0, 8);

const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n));

/** The digest of `text` (UTF-8) as unpadded base64url. */
export function sha256Base64Url(text: string): string {
  // The message, a 1 bit, zeros up to 56 mod 64 bytes, then its length in bits (64-bit big-endian).
  const bytes = [...new TextEncoder().encode(text), 0x80];
  const bits = bytes.length * 8 - 8;
  while (bytes.length % 64 !== 56) bytes.push(0);
  for (let shift = 56; shift >= 0; shift -= 8) bytes.push((bits / 2 ** shift) & 255);
  let h = H0;
  for (let offset = 0; offset < bytes.length; offset += 64) {
    const w: number[] = [];
    // [a, b, c, d, e, f, g, h] of the standard.
    let s = h;
    for (let i = 0; i < 64; i += 1) {
      w[i] =
        i < 16
          ? bytes.slice(offset + i * 4, offset + i * 4 + 4).reduce((word, byte) => (word << 8) | byte)
          : (rotr(w[i - 15]!, 7) ^ rotr(w[i - 15]!, 18) ^ (w[i - 15]! >>> 3)) + (rotr(w[i - 2]!, 17) ^ rotr(w[i - 2]!, 19) ^ (w[i - 2]! >>> 10)) + w[i - 7]! + w[i - 16]! | 0;
      const [a, b, c, d, e, f, g, last] = s as [number, number, number, number, number, number, number, number];
      // Sums of a few 32-bit words stay exact in a double; `| 0` keeps their low 32 bits.
      const t1 = last + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i]! + w[i]!;
      s = [t1 + (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c)) | 0, a, b, c, d + t1 | 0, e, f, g];
    }
    h = h.map((word, i) => word + s[i]! | 0);
  }
  return btoa(String.fromCharCode(...h.flatMap((word) => [24, 16, 8, 0].map((n) => (word >>> n) & 255))))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .slice(0, 43);
}
