import type { WebStorageLike } from '../../lib/stores/index.js';

/**
 * A Web Storage for Node specs with the browser's size rule: keys plus values are counted in UTF-16
 * code units, and a `setItem` over `quotaChars` throws a `QuotaExceededError` DOMException.
 */
export class MemoryStorage implements WebStorageLike {
  private readonly items = new Map<string, string>();

  constructor(private readonly quotaChars = 5_000_000) {}

  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }

  setItem(key: string, value: string): void {
    const used = [...this.items].reduce((sum, [k, v]) => sum + (k === key ? 0 : k.length + v.length), 0);
    if (used + key.length + value.length > this.quotaChars) {
      throw new DOMException(`Setting the value of '${key}' exceeded the quota.`, 'QuotaExceededError');
    }
    this.items.set(key, value);
  }

  removeItem(key: string): void {
    this.items.delete(key);
  }

  key(index: number): string | null {
    return [...this.items.keys()][index] ?? null;
  }

  get length(): number {
    return this.items.size;
  }

  get keys(): string[] {
    return [...this.items.keys()];
  }
}
