/** Brotli size (KiB) and bundled inputs of a browser bundle of `contents`. */
export function browserBundle(contents: string, external: string[]): Promise<{ kib: number; inputs: string[] }>;
/** Sizes (KiB, min + brotli) of the app bundle and the whole public API. */
export function measureSizes(): Promise<{ app: number; api: number }>;
