/**
 * SHA-256 of a UTF-8 string, synchronous and dependency-free (FIPS 180-4), so the stores entry
 * loads in a browser too (no `node:crypto`). Used only to name Redis keys, Web Storage keys and tab
 * locks after scopes.
 */

/** The first 64 primes. */
const PRIMES: number[] = [];
for (let n = 2; PRIMES.length < 64; n += 1) if (PRIMES.every((p) => n % p !== 0)) PRIMES.push(n);

/** The standard's constants, derived as it defines them: the first 32 bits of the fractional parts of prime roots. */
const fraction = (x: number): number => (x % 1) * 2 ** 32 | 0;
const K = PRIMES.map((p) => fraction(Math.cbrt(p)));
const H0 = PRIMES.slice(0, 8).map((p) => fraction(Math.sqrt(p)));

const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n));

/** The digest of `text` (UTF-8) as unpadded base64url. */
export function sha256Base64Url(text: string): string {
  // The message, a 1 bit, zeros up to 56 mod 64 bytes, then its length in bits (64-bit big-endian).
  const bytes = [...new TextEncoder().encode(text), 0x80];
  const bits = (bytes.length - 1) * 8;
  while (bytes.length % 64 !== 56) bytes.push(0);
  const words: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) words.push((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!);
  words.push((bits / 2 ** 32) | 0, bits | 0);
  let h = H0;
  for (let offset = 0; offset < words.length; offset += 16) {
    const w = words.slice(offset, offset + 16);
    // s = [a, b, c, d, e, f, g, h] of the standard; each round shifts it by one.
    const s = [...h];
    for (let i = 0; i < 64; i += 1) {
      if (i > 15) {
        const [x, y] = [w[i - 15]!, w[i - 2]!];
        w[i] = (rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3)) + (rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10)) + w[i - 7]! + w[i - 16]! | 0;
      }
      const [a, b, c, , e, f, g, last] = s as [number, number, number, number, number, number, number, number];
      const t1 = last + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i]! + w[i]! | 0;
      s.pop();
      s.unshift(t1 + (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c)) | 0);
      s[4] = s[4]! + t1 | 0;
    }
    h = h.map((word, i) => word + s[i]! | 0);
  }
  return btoa(String.fromCharCode(...h.flatMap((word) => [word >>> 24, (word >>> 16) & 255, (word >>> 8) & 255, word & 255])))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .slice(0, 43);
}
