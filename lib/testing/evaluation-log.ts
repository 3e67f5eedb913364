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
    const count = this.count(key);
    if (times === undefined ? count > 0 : count === times) return;
    const expected = times === undefined ? 'to have been evaluated' : `to have been evaluated ${plural(times)}`;
    const actual = count === 0 ? 'it was not' : `it was evaluated ${plural(count)}`;
    throw new Error(`expected flag "${key}" ${expected}, but ${actual}. ${this.#describe()}`);
  }

  /** Throws if `key` was read. */
  assertNotEvaluated(key: string): void {
    const count = this.count(key);
    if (count === 0) return;
    throw new Error(`expected flag "${key}" not to have been evaluated, but it was evaluated ${plural(count)}. ${this.#describe()}`);
  }

  /** `Evaluated: a (2), b (1)` or `Evaluated: nothing`. */
  #describe(): string {
    if (this.#counts.size === 0) return 'Evaluated: nothing.';
    const list = [...this.#counts].map(([key, count]) => `"${key}" (${count})`).join(', ');
    return `Evaluated: ${list}.`;
  }
}

function plural(count: number): string {
  return count === 1 ? '1 time' : `${count} times`;
}
