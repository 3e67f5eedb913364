/** Cuttlegate's rollout bucketing: FNV-1a 32-bit over UTF-8(flag key) + 0x00 + UTF-8(user id), mod 100. */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const utf8 = new TextEncoder();

/** Continue an FNV-1a 32-bit hash from `state` over `bytes`. */
export function fnv1a32(bytes: Uint8Array, state = FNV_OFFSET): number {
  let h = state;
  for (const b of bytes) h = Math.imul(h ^ b, FNV_PRIME) >>> 0;
  return h;
}

/**
 * The hash state after `UTF-8(flagKey) + 0x00`. It depends only on the flag, so the evaluator
 * computes it once at load time and hashes only the user id per evaluation.
 */
export function flagHashPrefix(flagKey: string): number {
  return fnv1a32(new Uint8Array([0]), fnv1a32(utf8.encode(flagKey)));
}

/** The bucket in [0, 99] for a user, given the flag's {@link flagHashPrefix}. */
export function bucketFromPrefix(prefix: number, userId: string): number {
  return fnv1a32(utf8.encode(userId), prefix) % 100;
}

/** The bucket in [0, 99] of (flag key, user id). */
export function bucket(flagKey: string, userId: string): number {
  return bucketFromPrefix(flagHashPrefix(flagKey), userId);
}
