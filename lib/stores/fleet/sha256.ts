/**
 * SHA-256 of a UTF-8 string, synchronous and dependency-free (FIPS 180-4), so the stores entry
 * loads in a browser too (no `node:crypto`). Used only to name Redis keys and tab locks after scopes.
 */

/** The first `count` primes. */
function primes(count: number): number[] {
  const found: number[] = [];
  for (let n = 2; found.length < count; n += 1) if (found.every((p) => n % p !== 0)) found.push(n);
  return found;
}

/** The standard's constants, derived as it defines them: the first 32 bits of the fractional parts of prime roots. */
const fraction = (x: number): number => ((x % 1) * 2 ** 32) >>> 0;
const PRIMES = primes(64);
const K = PRIMES.map((p) => fraction(Math.cbrt(p)));
const H0 = PRIMES.slice(0, 8).map((p) => fraction(Math.sqrt(p)));

/** The 32-byte digest of `text` (UTF-8). */
export function sha256(text: string): Uint8Array {
  const data = new TextEncoder().encode(text);
  const length = ((data.length + 9 + 63) >> 6) << 6;
  const bytes = new Uint8Array(length);
  bytes.set(data);
  bytes[data.length] = 0x80;
  const view = new DataView(bytes.buffer);
  view.setUint32(length - 8, Math.floor((data.length * 8) / 2 ** 32));
  view.setUint32(length - 4, (data.length * 8) >>> 0);
  const h = Uint32Array.from(H0);
  const w = new Uint32Array(64);
  const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n));
  for (let offset = 0; offset < length; offset += 64) {
    for (let i = 0; i < 16; i += 1) w[i] = view.getUint32(offset + i * 4);
    for (let i = 16; i < 64; i += 1) {
      const s0 = rotr(w[i - 15]!, 7) ^ rotr(w[i - 15]!, 18) ^ (w[i - 15]! >>> 3);
      const s1 = rotr(w[i - 2]!, 17) ^ rotr(w[i - 2]!, 19) ^ (w[i - 2]! >>> 10);
      w[i] = w[i - 16]! + s0 + w[i - 7]! + s1;
    }
    // s = [a, b, c, d, e, f, g, h] of the standard; each round shifts it by one.
    const s = Array.from(h);
    for (let i = 0; i < 64; i += 1) {
      const [a, b, c, , e, f, g, hh] = s as [number, number, number, number, number, number, number, number];
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      s.pop();
      s.unshift((t1 + t2) >>> 0);
      s[4] = (s[4]! + t1) >>> 0;
    }
    for (let i = 0; i < 8; i += 1) h[i] = h[i]! + s[i]!;
  }
  const out = new Uint8Array(32);
  const outView = new DataView(out.buffer);
  for (let i = 0; i < 8; i += 1) outView.setUint32(i * 4, h[i]!);
  return out;
}

/** The digest of `text` as unpadded base64url. */
export function sha256Base64Url(text: string): string {
  let binary = '';
  for (const byte of sha256(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
