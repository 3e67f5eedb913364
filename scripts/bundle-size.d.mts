/** Brotli size (KiB) and bundled inputs of a browser bundle of `contents`. */
export function browserBundle(contents: string, external: string[]): Promise<{ kib: number; inputs: string[] }>;
/** Sizes (KiB, min + brotli) of the app bundle, the whole public API and the Angular entry. */
export function measureSizes(): Promise<{ app: number; api: number; angular: number }>;
