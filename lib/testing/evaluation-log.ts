/**
 * Counts flag reads per key and checks them. Failed checks throw an `Error` whose message lists
 * everything that was evaluated, so a failing test shows what the code under test did read.
 */
export class EvaluationLog {
  readonly #counts = new Map<string, number>();

  /** Records one read of `key`. */
  record(key: string): void {
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  /** How many times `key` was read. */
  count(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  /** `{ key: count }` for every key read, in first-read order. */
  entries(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }

  /** Forgets every read. */
  clear(): void {
    this.#counts.clear();
  }

  /** Throws unless `key` was read (exactly `times` times, when given). */
  assertEvaluated(key: string, times?: number): void {
    this.#expect(key, (count) => (times === undefined ? count > 0 : count === times), times === undefined ? 'to have been evaluated' : `to have been evaluated ${plural(times)}`);
  }

  /** Throws if `key` was read. */
  assertNotEvaluated(key: string): void {
    this.#expect(key, (count) => count === 0, 'not to have been evaluated');
  }

  /**
   * Throws unless `key`'s count passes `check`: `expected flag "a" <expected>, but it was evaluated
   * 2 times. Evaluated: "a" (2), "b" (1).` (`it was not`, `Evaluated: nothing.` for none).
   */
  #expect(key: string, check: (count: number) => boolean, expected: string): void {
    const count = this.count(key);
    if (check(count)) return;
    const list = [...this.#counts].map(([read, times]) => `"${read}" (${times})`).join(', ');
    throw new Error(`expected flag "${key}" ${expected}, but it was ${count ? `evaluated ${plural(count)}` : 'not'}. Evaluated: ${list || 'nothing'}.`);
  }
}

function plural(count: number): string {
  return count === 1 ? '1 time' : `${count} times`;
}
